// Country: an ISO 3166-1 alpha-2 code, validated against the list shipped in
// data/countries.csv (compiled into the binary).
//
//   Result<Country> sg = Country::Parse("SG");   // ok, Name() == "Singapore"
//   Country::Parse("sg");   // invalid_argument: codes are upper case
//   Country::Parse("XX");   // invalid_argument: not an ISO 3166-1 code
//
// Thread-safety: immutable value type; the code list is built once, thread-safely.
#pragma once

#include <array>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace straits {

class Country {
 public:
  // Accepts exactly two upper-case letters that name an assigned ISO 3166-1 code.
  static Result<Country> Parse(std::string_view code);

  std::string_view code() const { return std::string_view(code_.data(), 2); }
  // The English short name from data/countries.csv, e.g. "Malaysia".
  std::string_view Name() const;

  // Every known country, sorted by code.
  static const std::vector<Country>& All();

  friend bool operator==(const Country&, const Country&) = default;
  friend auto operator<=>(const Country&, const Country&) = default;

 private:
  explicit Country(std::array<char, 2> code) : code_(code) {}
  std::array<char, 2> code_;
};

std::ostream& operator<<(std::ostream& os, const Country& country);

}  // namespace straits

template <>
struct std::hash<straits::Country> {
  size_t operator()(const straits::Country& c) const noexcept {
    return std::hash<std::string_view>()(c.code());
  }
};

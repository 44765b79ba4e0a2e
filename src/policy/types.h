// Small value types shared by the compliance engine: verdicts, transaction
// kinds, declared end uses, and a compact set of countries.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/country.h"

namespace straits::policy {

// Ordered from least to most strict: the strictest verdict of the rules that
// fired is the decision's verdict.
enum class Verdict : uint8_t { kAllowed, kConditions, kLicenseRequired, kProhibited };

// "allowed", "conditions", "license_required", "prohibited".
std::string_view VerdictName(Verdict verdict);
std::optional<Verdict> ParseVerdict(std::string_view text);

enum class Kind : uint8_t { kExport, kRemoteAccess };
inline constexpr int kKindCount = 2;

// "export", "remote_access".
std::string_view KindName(Kind kind);
std::optional<Kind> ParseKind(std::string_view text);

enum class EndUse : uint8_t { kUndeclared, kTraining, kInference, kOther };
inline constexpr int kEndUseCount = 4;

// "undeclared", "training", "inference", "other".
std::string_view EndUseName(EndUse end_use);
std::optional<EndUse> ParseEndUse(std::string_view text);
// The end use of a request that declares `end_use` and, or not, its training
// compute: declared training compute declares training unless another end use
// is given. Checks and leases both apply it.
inline EndUse ImpliedEndUse(EndUse declared, bool has_training_flop) {
  return has_training_flop && declared == EndUse::kUndeclared ? EndUse::kTraining : declared;
}

// A country as a dense index 0..675 ('A'..'Z' squared), for bit sets.
using CountryIndex = uint16_t;
inline constexpr CountryIndex kNoCountry = 0xFFFF;
inline constexpr int kCountryIndexCount = 26 * 26;

inline CountryIndex IndexOf(const Country& country) {
  std::string_view code = country.code();
  return static_cast<CountryIndex>((code[0] - 'A') * 26 + (code[1] - 'A'));
}
inline CountryIndex IndexOf(const std::optional<Country>& country) {
  return country ? IndexOf(*country) : kNoCountry;
}
// The two letters of an index (no validation against the ISO list).
std::array<char, 2> CodeOf(CountryIndex index);

// A set of countries: one bit per CountryIndex. No allocation.
class CountrySet {
 public:
  void Add(CountryIndex index) { words_[index / 64] |= uint64_t{1} << (index % 64); }
  void Remove(CountryIndex index) { words_[index / 64] &= ~(uint64_t{1} << (index % 64)); }
  bool Contains(CountryIndex index) const {
    return index < kCountryIndexCount && ((words_[index / 64] >> (index % 64)) & 1) != 0;
  }
  bool empty() const {
    for (uint64_t word : words_) {
      if (word != 0) return false;
    }
    return true;
  }
  friend bool operator==(const CountrySet&, const CountrySet&) = default;

 private:
  std::array<uint64_t, (kCountryIndexCount + 63) / 64> words_{};
};

}  // namespace straits::policy

#include "core/country.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/csv.h"
#include "core/embedded_data.h"

namespace straits {
namespace {

struct CountryTable {
  std::map<std::string, std::string, std::less<>> names;  // code -> name
  std::vector<Country> all;
};

bool IsUpperAlpha2(std::string_view code) {
  return code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
}

const CountryTable& Table() {
  // Built on first use from the embedded CSV; a malformed table is a build
  // defect, so it aborts loudly rather than limping on.
  static const CountryTable table = [] {
    CountryTable t;
    Result<CsvTable> csv = ParseCsv(embedded::kCountriesCsv, "data/countries.csv");
    if (!csv.ok()) {
      std::fprintf(stderr, "fatal: %s\n", csv.status().ToString().c_str());
      std::abort();
    }
    for (const CsvRow& row : csv->rows) t.names.emplace(row.fields.at(0), row.fields.at(1));
    return t;
  }();
  return table;
}

}  // namespace

Result<Country> Country::Parse(std::string_view code) {
  if (!IsUpperAlpha2(code)) {
    return InvalidArgument("\"" + std::string(code) +
                           "\" is not a country code: expected two upper-case letters "
                           "(ISO 3166-1 alpha-2, e.g. \"SG\")");
  }
  if (Table().names.find(code) == Table().names.end()) {
    return InvalidArgument("unknown country code \"" + std::string(code) +
                           "\": not an assigned ISO 3166-1 alpha-2 code");
  }
  return Country({code[0], code[1]});
}

std::string_view Country::Name() const {
  auto it = Table().names.find(code());
  return it == Table().names.end() ? std::string_view() : std::string_view(it->second);
}

const std::vector<Country>& Country::All() {
  static const std::vector<Country> all = [] {
    std::vector<Country> v;
    for (const auto& [code, name] : Table().names) v.push_back(Country({code[0], code[1]}));
    return v;
  }();
  return all;
}

std::ostream& operator<<(std::ostream& os, const Country& country) { return os << country.code(); }

}  // namespace straits

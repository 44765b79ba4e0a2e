// Reference tables compiled into the binary from data/ at build time, so the
// shipped program never depends on files beside it. Each is the verbatim file.
#pragma once

#include <string_view>

namespace straits::embedded {

extern const std::string_view kCountriesCsv;   // data/countries.csv
extern const std::string_view kCurrenciesCsv;  // data/currencies.csv

}  // namespace straits::embedded

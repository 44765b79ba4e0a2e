// The FX table shipped in data/fx/usd-rates.csv, compiled into the binary so
// that the program works without files beside it. Its rates are illustrative
// (see data/fx/README.md); deployments pass their own table instead.
//
// Thread-safety: returns a view of constant data.
#pragma once

#include <string_view>

namespace straits::billing {

// The verbatim CSV text; parse with FxTable::Parse(text, "data/fx/usd-rates.csv").
std::string_view DefaultFxCsv();

}  // namespace straits::billing

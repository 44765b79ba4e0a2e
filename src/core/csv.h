// A minimal RFC 4180 CSV reader for the reference tables compiled into the
// binary and for user files (usage imports, FX tables).
//
// Lines starting with '#' before the header are comments. Fields may be quoted
// with '"'; a doubled quote inside a quoted field is a literal quote.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace straits {

struct CsvRow {
  int line = 0;  // 1-based line number in the source text
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;
  // Index of `name` in the header, or -1.
  int Column(std::string_view name) const;
};

// Parses `text`. Errors (unterminated quote, wrong number of fields) name
// `source_name:line`.
Result<CsvTable> ParseCsv(std::string_view text, std::string_view source_name);

}  // namespace straits

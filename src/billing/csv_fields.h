// Helpers shared by billing's CSV parsers: find the required columns by name
// (order free, extra columns ignored) and read typed fields with errors that
// name `source:line` and the column.
//
// Thread-safety: plain values; no shared state.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/country.h"
#include "core/csv.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::billing {

class ColumnMap {
 public:
  // invalid_argument (field `source`) naming the first missing column and the
  // expected header.
  static Result<ColumnMap> Make(const CsvTable& table, std::initializer_list<const char*> required,
                                std::string_view source);
  // Index of a required or optional column; -1 if absent.
  int Index(std::string_view name) const;

 private:
  std::vector<std::string> header_;
};

class FieldReader {
 public:
  FieldReader(const CsvRow& row, const ColumnMap& cols, std::string_view source)
      : row_(row), cols_(cols), source_(source) {}

  // The raw text of `column` ("" if the column is absent).
  std::string_view Text(std::string_view column) const;
  bool Has(std::string_view column) const { return cols_.Index(column) >= 0; }

  // invalid_argument at `source:line` saying `column "name": why`.
  Status Error(std::string_view column, const std::string& why) const;

  Result<std::string> NonEmpty(std::string_view column) const;
  Result<Instant> Time(std::string_view column) const;
  // A calendar date "YYYY-MM-DD" only.
  Result<Instant> Date(std::string_view column) const;
  Result<int64_t> Integer(std::string_view column) const;
  Result<Country> CountryCode(std::string_view column) const;
  Result<Currency> CurrencyCode(std::string_view column) const;
  template <typename IdType>
  Result<IdType> Parse(std::string_view column) const {
    Result<IdType> id = IdType::Parse(Text(column));
    if (!id.ok()) return Error(column, id.status().message());
    return id;
  }

  int line() const { return row_.line; }
  std::string Where() const { return std::string(source_) + ":" + std::to_string(row_.line); }

 private:
  const CsvRow& row_;
  const ColumnMap& cols_;
  std::string_view source_;
};

}  // namespace straits::billing

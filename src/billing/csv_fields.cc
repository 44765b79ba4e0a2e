#include "billing/csv_fields.h"

#include "billing/decimal.h"

namespace straits::billing {

Result<ColumnMap> ColumnMap::Make(const CsvTable& table,
                                  std::initializer_list<const char*> required,
                                  std::string_view source) {
  std::string expected;
  for (const char* name : required) {
    if (!expected.empty()) expected += ',';
    expected += name;
  }
  for (const char* name : required) {
    if (table.Column(name) < 0) {
      return InvalidArgument("missing column \"" + std::string(name) + "\": the header must name " +
                                 expected + " (in any order; extra columns are ignored)",
                             std::string(source) + ":header");
    }
  }
  ColumnMap map;
  map.header_ = table.header;
  return map;
}

int ColumnMap::Index(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view FieldReader::Text(std::string_view column) const {
  const int index = cols_.Index(column);
  if (index < 0) return {};
  return row_.fields[static_cast<size_t>(index)];
}

Status FieldReader::Error(std::string_view column, const std::string& why) const {
  return InvalidArgument("column \"" + std::string(column) + "\": " + why, Where());
}

Result<std::string> FieldReader::NonEmpty(std::string_view column) const {
  if (Text(column).empty()) return Error(column, "is empty");
  return std::string(Text(column));
}

Result<Instant> FieldReader::Time(std::string_view column) const {
  Result<Instant> t = Instant::Parse(Text(column));
  if (!t.ok()) return Error(column, t.status().message());
  return t;
}

Result<Instant> FieldReader::Date(std::string_view column) const {
  if (Text(column).size() != 10) {
    return Error(column,
                 "\"" + std::string(Text(column)) + "\" is not a date: expected YYYY-MM-DD");
  }
  return Time(column);
}

Result<int64_t> FieldReader::Integer(std::string_view column) const {
  Result<int64_t> v = ParseScaledDecimal(Text(column), 0);
  if (!v.ok()) return Error(column, v.status().message());
  return v;
}

Result<Country> FieldReader::CountryCode(std::string_view column) const {
  Result<Country> c = Country::Parse(Text(column));
  if (!c.ok()) return Error(column, c.status().message());
  return c;
}

Result<Currency> FieldReader::CurrencyCode(std::string_view column) const {
  Result<Currency> c = Currency::Parse(Text(column));
  if (!c.ok()) return Error(column, c.status().message());
  return c;
}

}  // namespace straits::billing

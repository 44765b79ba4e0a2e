#include "core/csv.h"

namespace straits {

int CsvTable::Column(std::string_view name) const {
  for (size_t col_idx = 0; col_idx < header.size(); ++col_idx) {
    if (header[col_idx] == name) return static_cast<int>(col_idx);
  }
  return -1;
}

namespace {

// Reads one record starting at `pos`; advances `pos` and `line` past it.
Status ReadRecord(std::string_view text, size_t& pos, int& line, std::string_view source,
                  std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  const int start_line = line;
  while (pos < text.size()) {
    char c = text[pos];
    if (in_quotes) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field += '"';
          pos += 2;
          continue;
        }
        in_quotes = false;
        ++pos;
        continue;
      }
      if (c == '\n') ++line;
      field += c;
      ++pos;
      continue;
    }
    if (c == '"' && field.empty() && !field_was_quoted) {
      in_quotes = true;
      field_was_quoted = true;
      ++pos;
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      field_was_quoted = false;
      ++pos;
      continue;
    }
    if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') {
      ++pos;
      continue;
    }
    if (c == '\n') {
      ++pos;
      ++line;
      fields.push_back(std::move(field));
      return Status::Ok();
    }
    field += c;
    ++pos;
  }
  if (in_quotes) {
    return InvalidArgument("unterminated quoted field",
                           std::string(source) + ":" + std::to_string(start_line));
  }
  ++line;
  fields.push_back(std::move(field));
  return Status::Ok();
}

}  // namespace

Result<CsvTable> ParseCsv(std::string_view text, std::string_view source_name) {
  CsvTable table;
  size_t pos = 0;
  int line = 1;
  bool have_header = false;
  std::vector<std::string> fields;
  while (pos < text.size()) {
    if (!have_header && text[pos] == '#') {
      size_t eol = text.find('\n', pos);
      pos = eol == std::string_view::npos ? text.size() : eol + 1;
      ++line;
      continue;
    }
    const int record_line = line;
    STRAITS_RETURN_IF_ERROR(ReadRecord(text, pos, line, source_name, fields));
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (!have_header) {
      table.header = fields;
      have_header = true;
      continue;
    }
    if (fields.size() != table.header.size()) {
      return InvalidArgument("expected " + std::to_string(table.header.size()) + " fields, found " +
                                 std::to_string(fields.size()),
                             std::string(source_name) + ":" + std::to_string(record_line));
    }
    table.rows.push_back(CsvRow{record_line, fields});
  }
  if (!have_header) {
    return InvalidArgument("no header line", std::string(source_name) + ":1");
  }
  return table;
}

}  // namespace straits

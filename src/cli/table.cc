#include "cli/table.h"

#include <algorithm>
#include <cstdint>

namespace straits::cli {
namespace {

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-' || c == '%';
  });
}

// East Asian wide characters take two terminal columns (Unicode UAX #11,
// the main W/F ranges), so Chinese company names stay aligned.
bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

// Display width in terminal columns of UTF-8 text.
size_t Width(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
    uint32_t cp = length == 1 ? lead : lead & (0x7Fu >> length);
    for (size_t k = 1; k < length && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    }
    width += IsWide(cp) ? 2 : 1;
    i += length;
  }
  return width;
}

}  // namespace

std::string Table::Render() const {
  const size_t columns = header_.size();
  std::vector<size_t> widths(columns, 0);
  std::vector<bool> numeric(columns, !rows_.empty());
  for (size_t col = 0; col < columns; ++col) widths[col] = Width(header_[col]);
  for (const auto& row : rows_) {
    for (size_t col = 0; col < columns && col < row.size(); ++col) {
      widths[col] = std::max(widths[col], Width(row[col]));
      if (!LooksNumeric(row[col])) numeric[col] = false;
    }
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string line;
    for (size_t col = 0; col < columns; ++col) {
      const std::string cell = col < cells.size() ? cells[col] : "";
      const std::string pad(widths[col] - Width(cell), ' ');
      if (col > 0) line += "  ";
      if (numeric[col] && !is_header) {
        line += pad + cell;
      } else if (numeric[col] && is_header) {
        line += pad + cell;
      } else {
        line += cell + (col + 1 < columns ? pad : "");
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header_, true);
  for (const auto& row : rows_) emit(row, false);
  return out;
}

void Table::Print(FILE* out) const { std::fputs(Render().c_str(), out); }

}  // namespace straits::cli

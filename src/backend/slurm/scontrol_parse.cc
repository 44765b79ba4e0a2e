#include "backend/slurm/scontrol_parse.h"

#include <algorithm>
#include <charconv>

#include "fleet/hostlist.h"

namespace straits::backend::slurm {
namespace {

std::vector<std::string_view> SplitOutsideBrackets(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t begin = 0;
  for (size_t idx = 0; idx <= text.size(); ++idx) {
    if (idx == text.size() || (text[idx] == sep && depth == 0)) {
      if (idx > begin) parts.push_back(text.substr(begin, idx - begin));
      begin = idx + 1;
    } else if (text[idx] == '[') {
      ++depth;
    } else if (text[idx] == ']') {
      --depth;
    }
  }
  return parts;
}

bool IsNull(std::string_view value) { return value.empty() || value == "(null)"; }

}  // namespace

Result<std::vector<std::string>> ExpandSlurmHostList(std::string_view list) {
  std::vector<std::string> names;
  if (IsNull(list)) return names;
  for (std::string_view part : SplitOutsideBrackets(list, ',')) {
    Result<std::vector<std::string>> expanded = fleet::ExpandHostList(part);
    if (!expanded.ok()) return InvalidArgument("bad Slurm host list \"" + std::string(list) + "\"");
    names.insert(names.end(), expanded->begin(), expanded->end());
  }
  return names;
}

std::optional<Instant> ParseSlurmTime(std::string_view text) {
  if (text.size() != 19 || text[10] != 'T') return std::nullopt;
  Result<Instant> t = Instant::Parse(std::string(text) + "Z");
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::string FormatSlurmTime(Instant t) {
  std::string iso = t.ToString();  // "2025-05-13T08:00:00Z"
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  return iso;
}

int64_t TresCount(std::string_view tres, std::string_view name) {
  for (std::string_view item : SplitOutsideBrackets(tres, ',')) {
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || item.substr(0, eq) != name) continue;
    int64_t value = 0;
    std::string_view digits = item.substr(eq + 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc()) return value;
  }
  return 0;
}

std::vector<std::vector<std::string>> ParseParsable(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    if (line.empty()) continue;
    std::vector<std::string> fields;
    size_t field_begin = 0;
    while (true) {
      size_t bar = line.find('|', field_begin);
      if (bar == std::string_view::npos) {
        fields.emplace_back(line.substr(field_begin));
        break;
      }
      fields.emplace_back(line.substr(field_begin, bar - field_begin));
      field_begin = bar + 1;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

Result<std::vector<ReservationInfo>> ParseReservations(std::string_view text) {
  std::vector<ReservationInfo> out;
  int line_no = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    begin = end + 1;
    ++line_no;
    if (line.rfind("ReservationName=", 0) != 0) continue;  // "No reservations in the system"
    ReservationInfo info;
    bool have_start = false;
    bool have_end = false;
    bool seen_nodes = false;
    for (std::string_view token : SplitOutsideBrackets(line, ' ')) {
      size_t eq = token.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = token.substr(0, eq);
      std::string_view value = token.substr(eq + 1);
      if (key == "ReservationName") {
        info.name = value;
      } else if (key == "StartTime") {
        std::optional<Instant> t = ParseSlurmTime(value);
        if (t) info.start = *t;
        have_start = t.has_value();
      } else if (key == "EndTime") {
        std::optional<Instant> t = ParseSlurmTime(value);
        if (t) info.end = *t;
        have_end = t.has_value();
      } else if (key == "Nodes" && !seen_nodes) {
        // Partial-node reservations repeat "NodeName=" later; the first Nodes= is the list.
        seen_nodes = true;
        STRAITS_ASSIGN_OR_RETURN(info.nodes, ExpandSlurmHostList(value));
      } else if (key == "Accounts" && !IsNull(value)) {
        for (std::string_view account : SplitOutsideBrackets(value, ',')) {
          info.accounts.emplace_back(account);
        }
      } else if (key == "Flags") {
        info.flags = value;
      } else if (key == "State") {
        info.state = value;
      }
    }
    if (info.name.empty() || !have_start || !have_end) {
      return InvalidArgument("unreadable reservation (name, StartTime or EndTime): " +
                                 std::string(line.substr(0, 120)),
                             "scontrol:" + std::to_string(line_no));
    }
    std::sort(info.nodes.begin(), info.nodes.end());
    std::sort(info.accounts.begin(), info.accounts.end());
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace straits::backend::slurm

#include "fleet/hostlist.h"

#include <charconv>

namespace straits::fleet {
namespace {

constexpr size_t kMaxHosts = 100'000;

Status Malformed(std::string_view pattern, std::string_view why) {
  return InvalidArgument("host list \"" + std::string(pattern) + "\": " + std::string(why) +
                         " (expected e.g. \"node-[001-032]\" or \"gpu[1-2,7]\")");
}

bool ParseNumber(std::string_view text, long& out) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

Result<std::vector<std::string>> ExpandHostList(std::string_view pattern) {
  const size_t open = pattern.find('[');
  const size_t close = pattern.find(']');
  if (open == std::string_view::npos && close == std::string_view::npos) {
    return std::vector<std::string>{std::string(pattern)};
  }
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return Malformed(pattern, "unbalanced brackets");
  }
  if (pattern.find('[', open + 1) != std::string_view::npos ||
      pattern.find(']', close + 1) != std::string_view::npos) {
    return Malformed(pattern, "only one bracket group is supported");
  }
  const std::string_view prefix = pattern.substr(0, open);
  const std::string_view suffix = pattern.substr(close + 1);
  std::string_view body = pattern.substr(open + 1, close - open - 1);
  if (body.empty()) return Malformed(pattern, "empty brackets");

  std::vector<std::string> hosts;
  while (!body.empty()) {
    const size_t comma = body.find(',');
    const std::string_view part = body.substr(0, comma);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    if (comma != std::string_view::npos && body.empty())
      return Malformed(pattern, "trailing comma");
    const size_t dash = part.find('-');
    const std::string_view low_text = part.substr(0, dash);
    const std::string_view high_text =
        dash == std::string_view::npos ? low_text : part.substr(dash + 1);
    long low = 0, high = 0;
    if (!ParseNumber(low_text, low) || !ParseNumber(high_text, high)) {
      return Malformed(pattern, "\"" + std::string(part) + "\" is not a number or range");
    }
    if (high < low) return Malformed(pattern, "range \"" + std::string(part) + "\" is reversed");
    if (hosts.size() + static_cast<size_t>(high - low + 1) > kMaxHosts) {
      return Malformed(pattern, "expands to more than 100000 hosts");
    }
    const size_t width = low_text.size();
    for (long n = low; n <= high; ++n) {
      std::string digits = std::to_string(n);
      if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
      hosts.push_back(std::string(prefix) + digits + std::string(suffix));
    }
  }
  return hosts;
}

}  // namespace straits::fleet

#include "core/ids.h"

namespace straits {

Status ValidateId(std::string_view text) {
  auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (text.empty() || text.size() > 64) {
    return InvalidArgument("id must be 1 to 64 characters, got " + std::to_string(text.size()));
  }
  if (!is_alnum(text[0])) {
    return InvalidArgument("id \"" + std::string(text) + "\" must start with a letter or digit");
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return InvalidArgument("id \"" + std::string(text) +
                             "\" may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

}  // namespace straits

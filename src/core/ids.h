// Typed identifiers: an OrgId cannot be passed where a SiteId is expected.
//
// Ids are short, human-chosen slugs ("sg-jurong-1", "nvidia-h100-sxm") or
// hostnames ("sgj1-h100-001"): 1 to 64 characters from [A-Za-z0-9._-],
// starting with a letter or digit. They appear verbatim in URLs and Slurm names.
//
// Thread-safety: immutable value types.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "core/status.h"

namespace straits {

// OK if `text` is a valid id; otherwise invalid_argument saying why.
Status ValidateId(std::string_view text);

template <typename Tag>
class Id {
 public:
  Id() = default;
  static Result<Id> Parse(std::string_view text) {
    STRAITS_RETURN_IF_ERROR(ValidateId(text));
    return Id(std::string(text));
  }
  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Id&, const Id&) = default;
  friend auto operator<=>(const Id&, const Id&) = default;

 private:
  explicit Id(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

template <typename Tag>
std::ostream& operator<<(std::ostream& os, const Id<Tag>& id) {
  return os << id.str();
}

using OrgId = Id<struct OrgIdTag>;
using SiteId = Id<struct SiteIdTag>;
using PodId = Id<struct PodIdTag>;
using NodeId = Id<struct NodeIdTag>;  // the node's hostname
using ModelId = Id<struct ModelIdTag>;

}  // namespace straits

template <typename Tag>
struct std::hash<straits::Id<Tag>> {
  size_t operator()(const straits::Id<Tag>& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};

// Who is making a request. Travels in the request context from authentication
// to every handler, so role checks and tenant scoping have one place to look.
//
// Thread-safety: plain value.
#pragma once

#include <optional>
#include <string>

#include "core/ids.h"

namespace straits::auth {

struct Identity {
  std::string token_id;
  std::string name;
  std::string role;          // "admin" until finer roles arrive
  std::optional<OrgId> org;  // set for tenant-scoped callers
};

}  // namespace straits::auth

// Who is making a request. Travels in the request context from authentication
// to every handler, so role checks and tenant scoping have one place to look.
//
// Thread-safety: plain value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "core/ids.h"

namespace straits::auth {

struct Identity {
  std::string token_id;  // the token or session that authenticated the request
  std::string name;      // the user (or the token's label for tokens of no user)
  Role role = Role::kAdmin;
  // Set for tenants, and only for them: the organization the caller acts for.
  std::optional<OrgId> org;
  // Subsidiaries of `org` the tenant was granted, besides `org` itself.
  std::vector<OrgId> granted_orgs;
  // Set when the request was authenticated by a session cookie.
  bool by_session = false;
  // The session's CSRF token (sessions only), echoed by GET /v1/session.
  std::string csrf_token;

  bool tenant() const { return role == Role::kTenant; }
  // Whether a tenant may see `owner`'s data (always true for other roles).
  bool Sees(const OrgId& owner) const {
    if (!tenant()) return true;
    if (org && *org == owner) return true;
    for (const OrgId& granted : granted_orgs) {
      if (granted == owner) return true;
    }
    return false;
  }
};

}  // namespace straits::auth

#include "auth/roles.h"

namespace straits::auth {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kOperator:
      return "operator";
    case Role::kCompliance:
      return "compliance";
    case Role::kFinance:
      return "finance";
    case Role::kTenant:
      return "tenant";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

std::string RoleNames() {
  std::string out;
  for (Role role : kAllRoles) {
    if (!out.empty()) out += ", ";
    out += RoleName(role);
  }
  return out;
}

std::vector<Role> RoleSet::Members() const {
  std::vector<Role> out;
  for (Role role : kAllRoles) {
    if (Admits(role)) out.push_back(role);
  }
  return out;
}

}  // namespace straits::auth

// Roles and the sets of roles a route admits.
//
//   admin       everything
//   operator    fleet, rate cards, lease approvals that need no compliance sign-off
//   compliance  rule packs, party lists, reviews, clearances, what-ifs, audit export
//   finance     invoices and revenue reports
//   tenant      bound to one organization (and the subsidiaries it is granted):
//               its quotes, leases, jobs, usage and invoices, never another's
//   auditor     read-only everything, audit export
//
// A RoleSet lists who may call a route besides admin, who may call every route:
// the empty set means admin only, which is what a route that declares nothing gets.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace straits::auth {

enum class Role : uint8_t { kAdmin, kOperator, kCompliance, kFinance, kTenant, kAuditor };

inline constexpr Role kAllRoles[] = {Role::kAdmin,   Role::kOperator, Role::kCompliance,
                                     Role::kFinance, Role::kTenant,   Role::kAuditor};

// "admin", "operator", ...
std::string_view RoleName(Role role);
// The role named `name`, or nullopt.
std::optional<Role> ParseRole(std::string_view name);
// "admin, operator, compliance, finance, tenant, auditor", for error messages.
std::string RoleNames();

class RoleSet {
 public:
  constexpr RoleSet() = default;
  template <typename... R>
  static constexpr RoleSet Of(R... roles) {
    RoleSet set;
    ((set.bits_ |= Bit(roles)), ...);
    return set;
  }
  static constexpr RoleSet Every() {
    RoleSet set;
    for (Role role : kAllRoles) set.bits_ |= Bit(role);
    return set;
  }
  // Admin is admitted everywhere.
  constexpr bool Admits(Role role) const { return role == Role::kAdmin || (bits_ & Bit(role)); }
  // The admitted roles, admin first.
  std::vector<Role> Members() const;
  constexpr bool operator==(const RoleSet&) const = default;

 private:
  static constexpr uint32_t Bit(Role role) { return 1u << static_cast<uint32_t>(role); }
  uint32_t bits_ = 0;
};

}  // namespace straits::auth

// Maps (method, path) to a handler. Patterns use "{name}" segments:
// "/v1/sites/{id}" matches "/v1/sites/sg-1" with params {"id": "sg-1"}.
//
// Thread-safety: build the table before serving; Match is then read-only and
// safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/http.h"
#include "auth/identity.h"
#include "core/status.h"

namespace straits::api {

struct Services;

// Everything a handler may look at for one request.
struct Context {
  const Request& request;
  std::map<std::string, std::string> params;  // from "{name}" segments
  auth::Identity identity;                    // empty for public routes
  Services& services;
};

using Handler = std::function<Result<Response>(Context&)>;

// A route and who may call it. `access` lists the roles admitted besides
// admin; a route that declares none is admin-only, so a route added without a
// decision is safe. The API checks it before the handler runs (api.cc); tenant
// scope (which organization's data) is the handler's and its service's job.
struct Route {
  std::string method;
  std::string pattern;
  bool requires_auth = true;
  Handler handler;
  auth::RoleSet access = {};
  // Also accepts application/x-www-form-urlencoded bodies (the login form).
  bool accepts_form = false;
};

// Shorthands for route declarations: `{"GET", "/v1/x", true, F, Roles(kOperator)}`.
using auth::Role;
inline constexpr Role kOperator = Role::kOperator;
inline constexpr Role kCompliance = Role::kCompliance;
inline constexpr Role kFinance = Role::kFinance;
inline constexpr Role kTenant = Role::kTenant;
inline constexpr Role kAuditor = Role::kAuditor;
template <typename... R>
constexpr auth::RoleSet Roles(R... roles) {
  return auth::RoleSet::Of(roles...);
}
inline constexpr auth::RoleSet kEveryRole = auth::RoleSet::Every();

class Router {
 public:
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null when nothing matched
    std::map<std::string, std::string> params;
    std::string allowed_methods;  // set when the path matched but the method did not
  };
  Match Find(const std::string& method, const std::string& path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace straits::api

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

struct Route {
  std::string method;
  std::string pattern;
  bool requires_auth = true;
  Handler handler;
};

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

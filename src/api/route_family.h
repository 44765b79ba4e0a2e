// A family of routes (one routes_<family>.cc file) together with its OpenAPI
// description. The build generates AllRouteFamilies() from the routes_*.cc files
// present, so adding a family never edits a shared file; the OpenAPI test checks
// that every route a family serves is described by it, and vice versa.
//
//   RouteFamily FleetRoutes() {          // in routes_fleet.cc
//     return {.routes = {{"GET", "/v1/sites", true, ListSites}, ...},
//             .operations = {{"get", "/v1/sites", "fleet", "List sites", ...}},
//             .schemas = R"json({"Site": {...}})json"};
//   }
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "api/router.h"

namespace straits::api {

// One parameter of an operation, for the OpenAPI document.
struct ApiParam {
  const char* name;
  const char* in;  // "path" or "query"
  bool required;
  const char* description;
};

// One operation as OpenAPI describes it.
struct ApiOperation {
  const char* method;  // lower case, as OpenAPI keys are
  const char* path;
  const char* tag;
  const char* summary;
  std::vector<ApiParam> params;
  const char* request_schema;                                  // component name or nullptr
  std::vector<std::pair<const char*, const char*>> responses;  // status -> schema (or nullptr)
  bool auth;
};

inline const ApiParam kLimitParam{"limit", "query", false, "Page size, 1 to 1000 (default 100)."};
inline const ApiParam kCursorParam{"cursor", "query", false,
                                   "Opaque cursor from the previous page's next_cursor."};

struct RouteFamily {
  std::vector<Route> routes;
  std::vector<ApiOperation> operations;
  // A JSON object of component schemas this family adds ("{}" when none).
  std::string_view schemas = "{}";
};

// Every family in src/api/routes_*.cc, in file-name order (generated).
std::vector<RouteFamily> AllRouteFamilies();

}  // namespace straits::api

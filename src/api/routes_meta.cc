// Liveness and the API description: public, so load balancers and clients can
// probe them without a token.
#include "api/api.h"
#include "api/json_io.h"
#include "api/openapi.h"
#include "api/route_family.h"

namespace straits::api {
namespace {

Result<Response> Healthz(Context& ctx) {
  boost::json::object body{{"status", "ok"},
                           {"schema_version", ctx.services.store.SchemaVersion()},
                           {"time", ctx.services.clock.Now().ToString()}};
  return JsonResponse(body);
}

Result<Response> ServeOpenApi(Context&) { return JsonResponse(OpenApiDocument()); }

}  // namespace

RouteFamily MetaRoutes() {
  return {.routes = {{"GET", "/healthz", false, Healthz},
                     {"GET", "/openapi.json", false, ServeOpenApi}},
          .operations = {{"get",
                          "/healthz",
                          "meta",
                          "Liveness and schema version",
                          {},
                          nullptr,
                          {{"200", "Health"}},
                          false},
                         {"get",
                          "/openapi.json",
                          "meta",
                          "This document",
                          {},
                          nullptr,
                          {{"200", nullptr}},
                          false}},
          .schemas = R"json({
    "Health": {"type": "object", "properties": {"status": {"type": "string"},
      "schema_version": {"type": "integer"}, "time": {"type": "string", "format": "date-time"}}}
  })json"};
}

}  // namespace straits::api

// Liveness: answers without authentication so load balancers can probe it.
#include "api/api.h"
#include "api/json_io.h"

namespace straits::api {
namespace {

Result<Response> Healthz(Context& ctx) {
  boost::json::object body{{"status", "ok"},
                           {"schema_version", ctx.services.store.SchemaVersion()},
                           {"time", ctx.services.clock.Now().ToString()}};
  return JsonResponse(body);
}

}  // namespace

void AddHealthRoutes(Router& router) { router.Add({"GET", "/healthz", false, Healthz}); }

}  // namespace straits::api

#include "api/api.h"

#include "api/errors.h"
#include "auth/tokens.h"

namespace straits::api {
namespace {

bool IsJsonContentType(const std::string& content_type) {
  std::string_view media(content_type);
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media == "application/json";
}

}  // namespace

Api::Api(Services services) : services_(services) {
  AddHealthRoutes(router_);
  AddOpenApiRoute(router_);
  AddFleetRoutes(router_);
  AddCatalogRoutes(router_);
}

Response Api::Handle(const Request& request) {
  Router::Match match = router_.Find(request.method, request.path);
  if (!match.route) {
    if (!match.allowed_methods.empty()) {
      return MethodNotAllowed(request.method, match.allowed_methods);
    }
    return ErrorResponse(NotFound("no route for " + request.path));
  }
  Context context{request, std::move(match.params), {}, services_};
  if (match.route->requires_auth) {
    Result<auth::Identity> identity =
        auth::Authenticate(services_.store, request.authorization, services_.clock.Now());
    if (!identity.ok()) return ErrorResponse(identity.status());
    context.identity = std::move(identity).value();
  }
  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
      !IsJsonContentType(request.content_type)) {
    return UnsupportedMediaType(request.content_type);
  }
  Result<Response> response = match.route->handler(context);
  if (!response.ok()) return ErrorResponse(response.status());
  return std::move(response).value();
}

}  // namespace straits::api

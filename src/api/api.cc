#include "api/api.h"

#include "api/errors.h"
#include "api/route_family.h"
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
  for (RouteFamily& family : AllRouteFamilies()) {
    for (Route& route : family.routes) router_.Add(std::move(route));
  }
}

Result<auth::Identity> Api::Authenticate(const std::string& header) {
  const Instant now = services_.clock.Now();
  {
    std::lock_guard<std::mutex> lock(token_mu_);
    auto it = token_cache_.find(header);
    if (it != token_cache_.end() && now < it->second.second) return it->second.first;
  }
  Result<auth::Identity> identity = auth::Authenticate(services_.store, header, now);
  if (identity.ok()) {
    std::lock_guard<std::mutex> lock(token_mu_);
    // Bounded: a flood of distinct valid tokens only costs store lookups.
    if (token_cache_.size() >= 10'000) token_cache_.clear();
    token_cache_[header] = {*identity, now + kTokenCacheTtl};
  }
  return identity;
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
    Result<auth::Identity> identity = Authenticate(request.authorization);
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

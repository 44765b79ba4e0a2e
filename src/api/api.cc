#include "api/api.h"

#include "api/errors.h"
#include "api/route_family.h"
#include "auth/sessions.h"
#include "auth/tokens.h"

namespace straits::api {
namespace {

std::string_view MediaType(const std::string& content_type) {
  std::string_view media(content_type);
  media = media.substr(0, media.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return media;
}

bool IsJsonContentType(const std::string& content_type) {
  return MediaType(content_type) == "application/json";
}

bool ChangesState(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// The one place a route's declared roles are enforced (see Route::access).
Status Forbidden(const Route& route, const auth::Identity& identity) {
  std::string allowed;
  for (auth::Role role : route.access.Members()) {
    if (!allowed.empty()) allowed += ", ";
    allowed += auth::RoleName(role);
  }
  return PermissionDenied("the role " + std::string(auth::RoleName(identity.role)) +
                          " may not call " + route.method + " " + route.pattern +
                          "; allowed: " + allowed);
}

}  // namespace

Api::Api(Services services) : services_(services) {
  for (RouteFamily& family : AllRouteFamilies()) {
    for (Route& route : family.routes) router_.Add(std::move(route));
  }
}

Result<auth::Identity> Api::Authenticate(const Request& request) {
  std::string key;
  if (!request.authorization.empty()) {
    key = "bearer:" + request.authorization;
  } else if (std::string session = auth::CookieValue(request.cookie, auth::kSessionCookie);
             !session.empty()) {
    key = "session:" + session;
  } else {
    return Unauthenticated(
        "missing Authorization header; send \"Authorization: Bearer TOKEN\" or log in at "
        "POST /v1/session");
  }
  // Sessions are looked up every time, so that logging out takes effect at once.
  if (key.rfind("session:", 0) == 0) return Verify(key, request);
  const Instant now = services_.clock.Now();
  {
    std::lock_guard<std::mutex> lock(token_mu_);
    auto it = token_cache_.find(key);
    if (it != token_cache_.end() && now < it->second.second) return it->second.first;
  }
  Result<auth::Identity> identity = Verify(key, request);
  if (identity.ok()) {
    std::lock_guard<std::mutex> lock(token_mu_);
    // Bounded: a flood of distinct valid tokens only costs store lookups.
    if (token_cache_.size() >= 10'000) token_cache_.clear();
    token_cache_[key] = {*identity, now + kTokenCacheTtl};
  }
  return identity;
}

Result<auth::Identity> Api::Verify(const std::string& cache_key, const Request& request) {
  const Instant now = services_.clock.Now();
  const bool by_session = cache_key.rfind("session:", 0) == 0;
  // Without a database path (unit tests of single route families) there are
  // no accounts: only tokens of no user, as before accounts existed.
  Result<auth::AccountStore*> accounts = auth::SharedAccountStore(services_.db_path);
  if (by_session) {
    if (!accounts.ok()) return Unauthenticated("sessions are not available on this server");
    return auth::AuthenticateSession(**accounts, cache_key.substr(8), now);
  }
  STRAITS_ASSIGN_OR_RETURN(auth::Identity identity,
                           auth::Authenticate(services_.store, request.authorization, now));
  if (accounts.ok()) STRAITS_RETURN_IF_ERROR(auth::ApplyTokenOwner(**accounts, identity));
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
    Result<auth::Identity> identity = Authenticate(request);
    if (!identity.ok()) return ErrorResponse(identity.status());
    context.identity = std::move(identity).value();
    // A cookie rides along with any request the browser makes, including one
    // a hostile page triggers; only our own pages can read the CSRF token.
    if (context.identity.by_session && ChangesState(request.method) &&
        (request.csrf_token.empty() || request.csrf_token != context.identity.csrf_token)) {
      return ErrorResponse(PermissionDenied(
          "a request authenticated by a session cookie must carry the session's X-CSRF-Token "
          "header (from GET /v1/session)"));
    }
    if (!match.route->access.Admits(context.identity.role)) {
      return ErrorResponse(Forbidden(*match.route, context.identity));
    }
  }
  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
      !IsJsonContentType(request.content_type) &&
      !(match.route->accepts_form &&
        MediaType(request.content_type) == "application/x-www-form-urlencoded")) {
    return UnsupportedMediaType(request.content_type);
  }
  Result<Response> response = match.route->handler(context);
  if (!response.ok()) return ErrorResponse(response.status());
  return std::move(response).value();
}

}  // namespace straits::api

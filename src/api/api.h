// The HTTP API, independent of the transport: takes a Request, authenticates
// it, routes it, runs the handler and maps every failure to a JSON error.
//
//   Api api(Services{store, clock});
//   Response r = api.Handle(request);   // called by server.cc per request
//
// Routes: one family per routes_<family>.cc (see route_family.h), each with
// the OpenAPI description it is checked against.
//
// Thread-safety: Handle may be called concurrently from many threads; the
// services it uses are thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/http.h"
#include "api/router.h"
#include "auth/identity.h"
#include "catalog/catalog.h"
#include "catalog/regime.h"
#include "core/clock.h"
#include "store/store.h"

namespace straits::lease {
class LeaseService;  // lease/service.h
}  // namespace straits::lease

namespace straits::api {

// What handlers work with. Reference data (catalog, regimes) is loaded once at
// start-up and shared read-only.
struct Services {
  store::Store& store;
  const Clock& clock;
  const catalog::Catalog& catalog;
  const std::vector<catalog::ClassificationRegime>& regimes;
  // Lease lifecycle (null when the server runs without it, e.g. in unit tests
  // of other route families; lease routes then answer unavailable).
  lease::LeaseService* leases = nullptr;
  // The database file the core store was opened from, so that route families
  // with repositories of their own (billing) open them on the same database.
  // Empty in unit tests that use no such family.
  std::string db_path = {};
  // The built web dashboard (web/dist) that routes_web.cc serves; `/` explains
  // how to build it when index.html is missing there.
  std::string web_root = {};
};

class Api {
 public:
  explicit Api(Services services);
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response Handle(const Request& request);
  const Router& router() const { return router_; }

  // How long a verified token is trusted without asking the store again; a
  // revoked or expired token, or one of a disabled user, stops working within
  // this time. Sessions are not cached: logging out takes effect at once.
  static constexpr Duration kTokenCacheTtl = Duration::Seconds(5);

 private:
  // A bearer token when the request has an Authorization header, else the
  // session cookie; unauthenticated when neither is there or valid.
  Result<auth::Identity> Authenticate(const Request& request);
  Result<auth::Identity> Verify(const std::string& cache_key, const Request& request);

  Services services_;
  Router router_;
  std::mutex token_mu_;
  std::unordered_map<std::string, std::pair<auth::Identity, Instant>> token_cache_;
};

}  // namespace straits::api

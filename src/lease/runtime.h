// LeaseRuntime: everything a process needs to run the lease service over one
// database file — the lease store, the shipped catalog, rule packs, party
// lists and utilization table, the rate cards imported into the billing
// repository — owned together so `straits serve` and the CLI commands set it
// up in one call.
//
//   STRAITS_ASSIGN_OR_RETURN(auto runtime, LeaseRuntime::Open(path, *store, clock, {}));
//   runtime->service().Request(spec, actor);
//
// Thread-safety: as LeaseService; the runtime itself is immutable after Open.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "billing/fx.h"
#include "billing/rate_card.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/status.h"
#include "lease/quote.h"
#include "lease/service.h"
#include "lease_store/lease_store.h"
#include "policy/engine.h"
#include "policy/screening.h"
#include "store/store.h"

namespace straits::lease {

struct RuntimeOptions {
  int connections = 4;  // lease store connections
  ServiceOptions service;
};

class LeaseRuntime {
 public:
  // `store` and `clock` must outlive the runtime. Errors: not_found (no
  // database), failed_precondition (schema newer than this binary), internal
  // (shipped data that does not load), and those of LeaseService::Create.
  static Result<std::unique_ptr<LeaseRuntime>> Open(const std::string& db_path, store::Store& store,
                                                    const Clock& clock, RuntimeOptions options);
  LeaseRuntime(const LeaseRuntime&) = delete;
  LeaseRuntime& operator=(const LeaseRuntime&) = delete;
  ~LeaseRuntime();

  LeaseService& service() { return *service_; }
  lease_store::LeaseStore& leases() { return *leases_; }
  const catalog::Catalog& catalog() const { return catalog_; }

 private:
  LeaseRuntime() = default;

  std::unique_ptr<lease_store::LeaseStore> leases_;
  catalog::Catalog catalog_;
  std::unique_ptr<policy::Engine> policy_;
  std::unique_ptr<policy::Screener> screener_;
  UtilizationTable utilization_;
  std::optional<billing::RateCards> rates_;
  billing::FxTable fx_;
  std::unique_ptr<LeaseService> service_;
};

}  // namespace straits::lease

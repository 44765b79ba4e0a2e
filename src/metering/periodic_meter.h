// PeriodicMeter: runs LeaseMeter on a timer in its own thread, so usage
// accrues while `straits serve` runs; and MeteringRuntime, which opens what a
// meter needs over one database file.
//
//   STRAITS_ASSIGN_OR_RETURN(auto runtime, MeteringRuntime::Open(db_path, *fleet_store));
//   PeriodicMeter timer(runtime->meter(), clock, Duration::Seconds(300), report);
//   ...                                     // metering every five minutes
//   // ~PeriodicMeter stops the thread (a run in progress finishes first).
//
// Thread-safety: the constructor starts the thread and the destructor joins
// it; `report` is called from that thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "billing_store/billing_service.h"
#include "billing_store/billing_store.h"
#include "core/clock.h"
#include "core/status.h"
#include "lease_store/lease_store.h"
#include "metering/lease_meter.h"
#include "store/store.h"

namespace straits::backend {
class BackendStore;
}

namespace straits::metering {

class PeriodicMeter;

// The lease and billing repositories on the database, the billing service
// over them and the fleet, and a meter of the one into the other. `fleet`
// must outlive it. Sites with a Slurm backend (backend/backend_store.h) are
// left to it: their usage comes from Slurm's accounting.
class MeteringRuntime {
 public:
  // Errors of OpenSqliteLeaseStore and OpenSqliteBillingStore (not_found: no
  // database).
  static Result<std::unique_ptr<MeteringRuntime>> Open(const std::string& db_path,
                                                       store::Store& fleet);
  ~MeteringRuntime();
  MeteringRuntime(const MeteringRuntime&) = delete;
  MeteringRuntime& operator=(const MeteringRuntime&) = delete;

  LeaseMeter& meter() { return *meter_; }
  billing_store::BillingStore& billing() { return *billing_; }

  // Starts metering on a timer (see PeriodicMeter), stopped when the runtime
  // is destroyed; a second call replaces the first timer.
  void StartTimer(const Clock& clock, Duration every,
                  std::function<void(const Result<MeterRun>&)> report);

 private:
  MeteringRuntime() = default;

  std::unique_ptr<lease_store::LeaseStore> leases_;
  std::unique_ptr<billing_store::BillingStore> billing_;
  std::unique_ptr<billing_store::BillingService> service_;
  std::unique_ptr<backend::BackendStore> backends_;
  std::unique_ptr<LeaseMeter> meter_;
  std::unique_ptr<PeriodicMeter> timer_;  // destroyed first: it uses the meter
};

class PeriodicMeter {
 public:
  using Report = std::function<void(const Result<MeterRun>&)>;

  // Meters up to clock.Now() at once and then every `every` (at least one
  // second) until destroyed; `report` (may be null) sees every run's result.
  PeriodicMeter(LeaseMeter& meter, const Clock& clock, Duration every, Report report);
  PeriodicMeter(const PeriodicMeter&) = delete;
  PeriodicMeter& operator=(const PeriodicMeter&) = delete;
  ~PeriodicMeter();

 private:
  void Loop();

  LeaseMeter& meter_;
  const Clock& clock_;
  const Duration every_;
  const Report report_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace straits::metering

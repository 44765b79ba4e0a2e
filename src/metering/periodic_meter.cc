#include "metering/periodic_meter.h"

#include <algorithm>
#include <chrono>

#include "backend/backend_store.h"
#include "billing_store/sqlite_billing_store.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::metering {

Result<std::unique_ptr<MeteringRuntime>> MeteringRuntime::Open(const std::string& db_path,
                                                               store::Store& fleet) {
  std::unique_ptr<MeteringRuntime> runtime(new MeteringRuntime());
  STRAITS_ASSIGN_OR_RETURN(runtime->leases_,
                           lease_store::OpenSqliteLeaseStore(db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(runtime->billing_,
                           billing_store::OpenSqliteBillingStore(db_path, {.connections = 1}));
  // Models come from leases the lease service placed, so they are known.
  runtime->service_ = std::make_unique<billing_store::BillingService>(fleet, *runtime->billing_);
  STRAITS_ASSIGN_OR_RETURN(runtime->backends_, backend::BackendStore::Open(db_path));
  backend::BackendStore* backends = runtime->backends_.get();
  auto slurm_sites = [backends]() -> Result<std::vector<SiteId>> {
    STRAITS_ASSIGN_OR_RETURN(std::vector<backend::slurm::SlurmSiteConfig> configs,
                             backends->Sites());
    std::vector<SiteId> sites;
    for (const backend::slurm::SlurmSiteConfig& c : configs) sites.push_back(c.site);
    return sites;
  };
  runtime->meter_ = std::make_unique<LeaseMeter>(*runtime->leases_, *runtime->billing_,
                                                 *runtime->service_, slurm_sites);
  return runtime;
}

MeteringRuntime::~MeteringRuntime() = default;

void MeteringRuntime::StartTimer(const Clock& clock, Duration every,
                                 std::function<void(const Result<MeterRun>&)> report) {
  timer_.reset();
  timer_ = std::make_unique<PeriodicMeter>(*meter_, clock, every, std::move(report));
}

PeriodicMeter::PeriodicMeter(LeaseMeter& meter, const Clock& clock, Duration every, Report report)
    : meter_(meter),
      clock_(clock),
      every_(Duration::Seconds(std::max<int64_t>(1, every.seconds()))),
      report_(std::move(report)),
      thread_([this] { Loop(); }) {}

PeriodicMeter::~PeriodicMeter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicMeter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    Result<MeterRun> run = meter_.Run(clock_.Now());
    if (report_) report_(run);
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(every_.seconds()), [this] { return stop_; });
  }
}

}  // namespace straits::metering

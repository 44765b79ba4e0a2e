#include "backend/backend_loop.h"

#include <algorithm>
#include <chrono>

#include "billing_store/sqlite_billing_store.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::backend {

std::string LoopEventLine(const LoopEvent& e) {
  const std::string what(e.what);
  if (!e.status.ok()) return "backend " + what + ": " + e.status.ToString();
  if (e.what == "pass" && e.pass.applied + e.pass.released + e.pass.failed > 0) {
    return "backend: applied " + std::to_string(e.pass.applied) + ", released " +
           std::to_string(e.pass.released) + ", left pending " + std::to_string(e.pass.failed);
  }
  if (e.what == "usage" &&
      e.usage.recorded + e.usage.refused + e.usage.idle_records + e.usage.idle_refused > 0) {
    return "backend: usage: " + std::to_string(e.usage.recorded) + " new recorded, " +
           std::to_string(e.usage.refused) +
           " refused by billing; reserved, idle: " + std::to_string(e.usage.idle_records) +
           " records, " + std::to_string(e.usage.idle_gpu_seconds) + " GPU-seconds";
  }
  return "";
}

Result<std::unique_ptr<BackendLoop>> BackendLoop::Start(const std::string& db_path,
                                                        store::Store& fleet, const Clock& clock,
                                                        BackendLoopOptions options, Report report) {
  options.every = Duration::Seconds(std::max<int64_t>(1, options.every.seconds()));
  std::unique_ptr<BackendLoop> loop(new BackendLoop(fleet, clock, options, std::move(report)));
  STRAITS_ASSIGN_OR_RETURN(loop->leases_,
                           lease_store::OpenSqliteLeaseStore(db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(loop->backends_, BackendStore::Open(db_path));
  STRAITS_ASSIGN_OR_RETURN(loop->billing_store_,
                           billing_store::OpenSqliteBillingStore(db_path, {.connections = 1}));
  // Models come from leases the lease service placed, so they are known.
  loop->billing_ = std::make_unique<billing_store::BillingService>(fleet, *loop->billing_store_);
  loop->thread_ = std::thread([raw = loop.get()] { raw->Loop(); });
  return loop;
}

BackendLoop::~BackendLoop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackendLoop::Step(bool poll) {
  // Created per step so a configuration stored meanwhile is used.
  Result<std::unique_ptr<Dispatcher>> dispatcher =
      Dispatcher::Create(*backends_, *leases_, env_, clock_);
  if (!dispatcher.ok()) {
    if (report_) report_({"pass", dispatcher.status(), {}, {}});
    return;
  }
  Result<PassReport> pass = (*dispatcher)->RunOnce();
  if (report_) report_({"pass", pass.status(), pass.ok() ? *pass : PassReport{}, {}});
  if (!poll) return;
  Result<UsageReport> usage =
      (*dispatcher)->PollUsage(clock_.Now() - options_.poll_window, billing_.get());
  if (report_) report_({"usage", usage.status(), {}, usage.ok() ? *usage : UsageReport{}});
}

void BackendLoop::Loop() {
  using SteadyClock = std::chrono::steady_clock;
  const bool polls = options_.poll_every.seconds() > 0;
  SteadyClock::time_point next_poll = SteadyClock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const bool poll = polls && SteadyClock::now() >= next_poll;
    Step(poll);
    if (poll) next_poll = SteadyClock::now() + std::chrono::seconds(options_.poll_every.seconds());
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(options_.every.seconds()), [this] { return stop_; });
  }
}

}  // namespace straits::backend

// BackendLoop: the dispatcher on a timer in its own thread, the way `straits
// serve` keeps Slurm sites in line with the lease store while it serves the
// API (and `straits backend run` in the foreground): a pass (apply, release)
// every `every`, a usage poll every `poll_every`.
//
//   STRAITS_ASSIGN_OR_RETURN(auto loop, BackendLoop::Start(db_path, *fleet, clock, {}, report));
//   ...                                   // leases are applied every 5 s
//   loop.reset();                         // stops the thread (a pass in progress finishes first)
//
// Every pass re-reads the site configuration, so `straits backend configure`
// while the loop runs takes effect at the next pass; with no Slurm site a pass
// reads one table and does nothing. Errors of a pass go to `report` and the
// loop goes on: failed leases stay `pending` and are retried with backoff.
//
// Thread-safety: Start starts the thread, the destructor joins it; `report`
// is called from that thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "backend/backend_store.h"
#include "backend/dispatcher.h"
#include "billing_store/billing_service.h"
#include "core/clock.h"
#include "lease_store/lease_store.h"
#include "store/store.h"

namespace straits::backend {

struct BackendLoopOptions {
  Duration every = Duration::Seconds(5);        // between passes; at least 1 s
  Duration poll_every = Duration::Seconds(60);  // between usage polls; 0: never
  Duration poll_window = Duration::Days(7);     // jobs that ended this far back are polled
};

// What one step did, for logs: `what` is "pass" or "usage".
struct LoopEvent {
  std::string_view what;
  Status status;
  PassReport pass;
  UsageReport usage;
};

// A log line for `e`: the error, or what a pass or poll changed; "" when it
// changed nothing (most passes).
std::string LoopEventLine(const LoopEvent& e);

class BackendLoop {
 public:
  using Report = std::function<void(const LoopEvent&)>;

  // Opens the stores over `db_path` and starts the thread; the first pass
  // runs at once. `fleet` and `clock` must outlive the loop; `report` may be
  // null. Errors of opening the stores (not_found: no database).
  static Result<std::unique_ptr<BackendLoop>> Start(const std::string& db_path, store::Store& fleet,
                                                    const Clock& clock, BackendLoopOptions options,
                                                    Report report);
  ~BackendLoop();
  BackendLoop(const BackendLoop&) = delete;
  BackendLoop& operator=(const BackendLoop&) = delete;

  // One pass and, when `poll`, one usage poll, in the calling thread (the
  // thread's steps do the same).
  void Step(bool poll);

 private:
  BackendLoop(store::Store& fleet, const Clock& clock, BackendLoopOptions options, Report report)
      : fleet_(fleet), clock_(clock), options_(options), report_(std::move(report)) {}
  void Loop();

  store::Store& fleet_;
  const Clock& clock_;
  const BackendLoopOptions options_;
  const Report report_;
  std::unique_ptr<lease_store::LeaseStore> leases_;
  std::unique_ptr<BackendStore> backends_;
  std::unique_ptr<billing_store::BillingStore> billing_store_;
  std::unique_ptr<billing_store::BillingService> billing_;
  PosixEnv env_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace straits::backend

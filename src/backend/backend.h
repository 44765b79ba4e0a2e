// The execution interface: what Straits asks of the system that runs a site's
// workloads once a lease is decided. Straits decides (leases, placement,
// compliance); a backend executes: it turns a scheduled lease into whatever
// the site needs (for Slurm: an account and an advance reservation), runs
// jobs inside it, and reports the GPU time they used.
//
// Implementations: backend/slurm/ (SlurmBackend, a real cluster) and
// SimBackend (backend/sim_backend.h: nothing to apply; usage is metered from
// the allocations themselves).
//
// Every call is idempotent: applying a lease twice, or after a crash halfway
// through, converges on one account and one reservation. Errors:
// unavailable (the cluster cannot be reached; retry later), not_found (an
// unknown job or lease), failed_precondition (the cluster refused, with its
// reason), invalid_argument (a request the backend cannot express).
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "lease/lease.h"

namespace straits::backend {

// A lease as the backend sees it: who holds which GPUs on which nodes when.
struct LeaseTarget {
  LeaseId lease;
  OrgId tenant;
  SiteId site;
  Instant start;
  Instant end;
  std::vector<lease::NodeAllocation> nodes;  // Straits node names
  int64_t gpus() const {
    int64_t total = 0;
    for (const lease::NodeAllocation& n : nodes) total += n.gpus;
    return total;
  }
  friend bool operator==(const LeaseTarget&, const LeaseTarget&) = default;
};

struct JobRequest {
  int64_t gpus = 1;
  std::vector<std::string> command;  // argv of the job; not interpreted by a shell
  std::string name;                  // empty: the program's name
  Duration time_limit;               // zero: until the lease ends
};

struct JobInfo {
  std::string id;  // the backend's job id ("1000003")
  std::string name;
  std::string state;  // "PENDING", "RUNNING", "COMPLETED", ...
  int64_t gpus = 0;
  std::optional<Instant> start;
  std::optional<Instant> end;
  std::vector<std::string> nodes;  // Straits node names
};

// GPU time a job held on one node: the unit of metering. `series` names the
// job and step ("sg1:1000003:alloc": cluster, job id, step) and is the usage
// ledger's series key, so two jobs of a lease on one node at the same time are
// both billed; `key` adds the node ("sg1:1000003:alloc:sg1-n1"), so polling
// twice records a sample once. A job still running when polled comes back as
// a sample with `running` set, its start and GPUs (`gpus`), and no end or
// GPU-seconds yet: it is not usage until it finishes, but it tells the
// reserved-time computation that those GPUs are busy.
struct UsageSample {
  std::string key;
  std::string series;
  LeaseId lease;
  NodeId node;
  Instant start;
  Instant end;  // == start while running
  int64_t gpu_seconds = 0;
  bool running = false;
  int64_t gpus = 0;  // on this node
  friend bool operator==(const UsageSample&, const UsageSample&) = default;
};

// One difference between what Straits holds and what the cluster has.
struct Drift {
  enum class Kind { kMissing, kExtra, kMismatched };
  Kind kind = Kind::kMissing;
  std::string object;  // "reservation lease-000003", "account lease-000003"
  std::optional<LeaseId> lease;
  std::string detail;  // what differs: "nodes: want sg1-n1, have sg1-n2"
  bool fixed = false;
};
std::string_view DriftKindName(Drift::Kind kind);  // "missing", "extra", "mismatched"

class ExecutionBackend {
 public:
  virtual ~ExecutionBackend() = default;
  virtual std::string_view kind() const = 0;  // "slurm", "sim"

  // Makes the site hold `target` (creates or updates), looked up before created.
  virtual Status Apply(const LeaseTarget& target, Instant now) = 0;
  // Ends the lease on the site: cancels its jobs and removes its reservation.
  virtual Status Release(const LeaseId& lease) = 0;

  // Jobs inside an applied lease. Submit checks nothing about the lease's
  // window or GPUs: callers do that first (backend/jobs.h).
  virtual Result<std::string> SubmitJob(const LeaseTarget& target, const JobRequest& job) = 0;
  virtual Result<std::vector<JobInfo>> ListJobs(const LeaseId& lease) = 0;
  // not_found when the job does not belong to `lease`.
  virtual Status CancelJob(const LeaseId& lease, const std::string& job_id) = 0;

  // Usage of finished jobs of `leases` that ended at or after `since`, and
  // the jobs of `leases` running now (`running` samples).
  virtual Result<std::vector<UsageSample>> PollUsage(std::span<const LeaseId> leases,
                                                     Instant since) = 0;

  // Compares the leases that should be on the site with what it holds; with
  // `fix`, repairs each difference (and marks it fixed).
  virtual Result<std::vector<Drift>> Reconcile(std::span<const LeaseTarget> expected, Instant now,
                                               bool fix) = 0;
};

}  // namespace straits::backend

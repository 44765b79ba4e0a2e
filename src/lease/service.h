// LeaseService: runs the lease flow of DESIGN.md end to end.
//
//   request -> validate -> screen the tenant (and its owners) and the site
//   operators -> evaluate the regimes per candidate site and model (policy
//   engine, through placement's SiteComplianceOracle) -> place (placement
//   engine over the in-memory calendar) -> ONE store transaction: lease,
//   allocations (checked against what is committed), decision, audit entry,
//   idempotency key.
//
//   auto service = LeaseService::Create({.store = *store, .leases = *leases,
//       .clock = clock, .catalog = catalog, .policy = engine, .screener = &screener});
//   Result<Outcome> created = (*service)->Request(spec, actor, "key-1");
//   (*service)->Tick();      // the server calls this periodically
//
// Placement runs twice when needed: first over the sites and models whose
// verdict is `allowed` (the lease is scheduled at once), then, if that places
// nothing, over those needing review (`conditions`, `license_required`: the
// lease waits in pending_review with its capacity held for
// ServiceOptions::review_hold). When every candidate is `prohibited` the lease
// is recorded as denied with the decisions. When no site can host it (capacity,
// hardware, price), nothing is recorded and the answer is a refusal with the
// reason for every site.
//
// Compliance is evaluated on the date the capacity is first used (the placed
// start, or now when later) at request and approval, at activation on the
// activation date, and by Reevaluate (run at start-up, when organizations
// change, and on demand). A scheduled or active lease whose verdict becomes
// stricter than the one it was accepted under moves to compliance_hold. Every
// decision is stored with the lease: the packs and their content hashes, the
// rules that fired, and the input facts.
//
// Calendar: the service keeps a placement calendar of every allocation still
// running, keyed by each lease's reservation key, and brings it up to date with
// changes committed by other processes (the store's capacity log) before each
// decision. The store re-checks every allocation inside the write transaction,
// so a decision made on a stale calendar is refused (aborted) there, the
// calendar is synchronized and the request is placed again (a few times).
//
// Group commit: concurrent requests are committed together, one transaction
// per batch (each write in its own savepoint), so durability costs one fsync
// per batch rather than per lease. Every answer is given after its commit.
//
// Tenant isolation: an actor with an organization sees and changes only that
// organization's leases (others are not_found); approve, deny, reevaluate and
// the holds report need an actor without one (operator / compliance officer).
//
// Error codes: invalid_argument (bad request, naming the field), not_found
// (unknown lease, tenant, site), failed_precondition (a transition the
// lifecycle does not allow, an approval without a required license number),
// permission_denied (a tenant acting as an officer), aborted (lost a race too
// many times), unavailable (database).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/rate_card.h"
#include "catalog/catalog.h"
#include "core/clock.h"
#include "core/status.h"
#include "lease/compliance.h"
#include "lease/lease.h"
#include "lease/quote.h"
#include "lease/world.h"
#include "lease_store/lease_store.h"
#include "placement/calendar.h"
#include "placement/engine.h"
#include "policy/engine.h"
#include "policy/screening.h"
#include "store/store.h"

namespace straits::lease {

struct ServiceOptions {
  // How long a lease pending review keeps its capacity.
  Duration review_hold = Duration::Hours(72);
  std::string profile = std::string(placement::kDefaultProfile);
  // Most writes committed in one transaction.
  int max_batch = 256;
  // Placement attempts when the store refuses a placement another process took.
  int conflict_retries = 4;
  // How often Tick looks for changes to the fleet and organizations.
  Duration world_check_interval = Duration::Seconds(10);
  // Re-evaluate scheduled and active leases when the service starts (the
  // server does; one-shot CLI commands need not).
  bool reevaluate_on_start = true;
};

struct ServiceDeps {
  store::Store& store;
  lease_store::LeaseStore& leases;
  const Clock& clock;
  const catalog::Catalog& catalog;
  const policy::Engine& policy;
  const policy::Screener* screener = nullptr;  // null: parties are not screened
  // Prices per site and model (billing/rate_card.h); null: no prices, so a
  // price cap excludes every site.
  const billing::RateCards* rates = nullptr;
  // Converts rate-card prices into USD, the currency placement compares
  // prices and caps in; null: only USD prices count.
  const billing::FxTable* fx = nullptr;
  // Model utilization factors for quotes (lease/quote.h).
  const UtilizationTable* utilization = nullptr;
};

// Who asks.
struct Actor {
  std::string name;          // recorded in the audit trail: "token:tok_1 (ops)", "cli:alice"
  std::string scope;         // whose idempotency keys these are: a token id, "cli"
  std::optional<OrgId> org;  // set for tenant-scoped callers
  // Subsidiaries a tenant was granted besides `org` (straits users add --grant).
  std::vector<OrgId> granted = {};
  bool tenant() const { return org.has_value(); }
  // Whether the caller may see and act on `owner`'s leases (always for non-tenants).
  bool Sees(const OrgId& owner) const {
    if (!tenant() || owner == *org) return true;
    return std::find(granted.begin(), granted.end(), owner) != granted.end();
  }
};

// An Idempotency-Key and the fingerprint of the request it came with (the API
// hashes method, path and body; empty: the service hashes the operation).
struct Idempotency {
  std::string key;
  std::string fingerprint;
};

// The answer to a change. `body` is the JSON the API returns (and what a retry
// with the same Idempotency-Key gets back); `status` its HTTP status.
struct Outcome {
  int status = 200;
  std::string body;
  std::optional<Lease> lease;  // absent for a refusal or a replay
  bool replayed = false;
  // For a refusal (nothing placed): the message and the reason per site.
  std::string refusal;
  std::vector<std::string> reasons;
};

struct ReevaluationReport {
  int evaluated = 0;
  std::vector<LeaseId> held;
};

// Per-node use of one site, for the dashboard.
struct SiteCalendar {
  SiteId site;
  Instant from;
  Instant to;
  struct Booking {
    std::optional<LeaseId> lease;  // hidden (null) for other tenants' leases
    Instant start;
    Instant end;
    int32_t gpus = 0;
  };
  struct Node {
    NodeId node;
    PodId pod;
    ModelId model;
    int32_t gpus = 0;
    std::vector<Booking> bookings;
    std::vector<std::pair<Instant, int32_t>> use;  // step function: from then on, GPUs in use
  };
  std::vector<Node> nodes;
};

class LeaseService {
 public:
  // Loads the fleet and organizations, builds the calendar from the store and
  // re-evaluates scheduled and active leases (regimes or lists may have
  // changed since the last run). The dependencies must outlive the service.
  static Result<std::unique_ptr<LeaseService>> Create(const ServiceDeps& deps,
                                                      ServiceOptions options = {});
  ~LeaseService();
  LeaseService(const LeaseService&) = delete;
  LeaseService& operator=(const LeaseService&) = delete;

  // A new lease. 201 with the lease (scheduled, pending_review or denied), or a
  // refusal (409, failed_precondition) when no site can host it.
  Result<Outcome> Request(const LeaseSpec& spec, const Actor& actor, Idempotency idempotency = {});
  // Compliance officer. `license` is required when the verdict is license_required.
  Result<Outcome> Approve(const LeaseId& id, const std::string& reason, const std::string& license,
                          const Actor& actor, Idempotency idempotency = {});
  // Compliance officer: pending or held leases; a held lease that already
  // started is terminated.
  Result<Outcome> Deny(const LeaseId& id, const std::string& reason, const Actor& actor,
                       Idempotency idempotency = {});
  // Before the start: cancelled; after it: terminated (the GPUs are free from now).
  Result<Outcome> Cancel(const LeaseId& id, const Actor& actor, Idempotency idempotency = {});
  // A later end on the same nodes; failed_precondition when they are not free.
  Result<Outcome> Extend(const LeaseId& id, Instant new_end, const Actor& actor,
                         Idempotency idempotency = {});

  Result<Lease> Get(const LeaseId& id, const Actor& actor);
  Result<store::Page<Lease>> List(lease_store::LeaseFilter filter, const store::PageRequest& page,
                                  const Actor& actor);
  Result<std::vector<lease_store::DecisionRecord>> Decisions(const LeaseId& id, const Actor& actor);
  // Leases on compliance hold, with their decisions (compliance officer).
  Result<std::vector<Lease>> Holds(const Actor& actor);
  Result<SiteCalendar> Calendar(const SiteId& site, Instant from, Instant to, const Actor& actor);

  // Options per site and accelerator model for a training job (lease/quote.h).
  Result<QuoteResult> Quote(const QuoteRequest& request, const Actor& actor);

  // Moves leases whose time has come (activation with a compliance check,
  // completion, expiry of review holds), picks up fleet and organization
  // changes, and re-evaluates when organizations changed. Returns the number
  // of leases moved.
  Result<int> Tick();
  // Makes the next Tick look for fleet and organization changes at once, not
  // only after world_check_interval (for a caller that just imported a fleet).
  void CheckWorldOnNextTick() { next_world_check_ = Instant(); }
  // The audit trail (compliance officer): verify the hash chain, or walk the
  // entries with from <= at < to.
  Result<lease_store::AuditVerification> VerifyAudit(const Actor& actor);
  Status ExportAudit(std::optional<Instant> from, std::optional<Instant> to,
                     const std::function<bool(const lease_store::AuditEntry&)>& visit,
                     const Actor& actor);

  // Re-evaluates every scheduled and active lease now; stricter verdicts hold them.
  Result<ReevaluationReport> Reevaluate(const std::string& why, const Actor& actor);

  // GPUs the calendar has in use on `node` at `t` (tests compare calendars).
  std::optional<int32_t> CalendarUse(const NodeId& node, Instant t);
  // The calendar's change points at or after `from`, per node id (tests).
  std::map<std::string, std::vector<std::pair<int64_t, int32_t>>> CalendarPoints(Instant from);

  const ServiceOptions& options() const { return options_; }

 private:
  struct Pending;
  using ChangeFn = std::function<Result<Event>(const Lease& current, Lease& next,
                                               std::vector<lease_store::DecisionRecord>& decisions,
                                               boost::json::object& detail, Instant now)>;

  LeaseService(const ServiceDeps& deps, ServiceOptions options);

  Status LoadWorld();
  Status RebuildCalendar();
  std::shared_ptr<const World> world();
  uint64_t NewReservationKey();

  // Calendar upkeep; the caller holds mu_.
  Status SyncCalendarLocked();
  void ReserveRowsLocked(std::span<const lease_store::AllocationRow> rows);
  Status ApplyLeaseLocked(const Lease& lease);
  void NoteOwnChangeLocked(int64_t change);

  // Group commit: applies `writes` together with other threads' writes.
  std::vector<Result<lease_store::Written>> Commit(std::vector<lease_store::LeaseWrite> writes);

  Result<Outcome> RequestOnce(const LeaseSpec& spec, const Actor& actor,
                              const Idempotency& idempotency, bool& retry);
  Result<Outcome> Transition(const LeaseId& id, const Actor& actor, Idempotency idempotency,
                             std::string_view action, const ChangeFn& change);
  Result<Lease> Visible(const LeaseId& id, const Actor& actor);
  Result<std::optional<Outcome>> Replayed(const Actor& actor, const Idempotency& idempotency);
  static std::optional<lease_store::IdempotencyInput> KeyFor(const Actor& actor,
                                                             const Idempotency& idempotency,
                                                             int status);
  Result<Evaluated> EvaluatePlaced(const World& world, const Lease& lease, Instant date);
  Result<std::vector<lease_store::LeaseWrite>> DueWrites(const World& world, const Lease& lease,
                                                         Instant now);

  ServiceDeps deps_;
  ServiceOptions options_;
  PartyScreener screener_;

  std::mutex world_mu_;
  std::shared_ptr<const World> world_;
  std::atomic<Instant> next_world_check_{Instant()};

  // Guards the calendar, the engine and the oracle's per-decision table.
  std::mutex mu_;
  std::shared_ptr<const World> calendar_world_;  // the topology the calendar indexes
  std::unique_ptr<placement::Calendar> calendar_;
  std::unique_ptr<VerdictOracle> oracle_;
  std::unique_ptr<placement::Engine> engine_;
  int64_t synced_through_ = 0;
  std::vector<int64_t> own_changes_;
  std::unordered_map<int64_t, placement::ReservationId> keys_by_seq_;
  std::atomic<uint64_t> key_counter_{0};

  // Group commit queue.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::deque<Pending*> queue_;
  bool committing_ = false;
};

}  // namespace straits::lease

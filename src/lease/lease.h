// The lease: what a tenant asked for, where and when it was placed, the
// compliance verdicts it was decided under, and where it is in its lifecycle.
//
// Lifecycle (the transition table is `Next`; anything else is refused):
//
//   requested --place_allowed--> scheduled --start--> active --finish--> completed
//       |                          |    \                 \--terminate--> terminated
//       |--place_needs_review--> pending_review --approve--> scheduled
//       |                          |--deny--> denied
//       |                          |--cancel--> cancelled
//       |                          `--expire--> expired   (review hold ran out)
//       `--place_prohibited--> denied
//   scheduled --cancel--> cancelled;  scheduled|active --hold--> compliance_hold
//   compliance_hold --approve--> scheduled (activation runs again when the start has passed)
//   compliance_hold --deny|cancel--> denied|cancelled before the start,
//                   --terminate--> terminated after it;  --expire--> expired at its end
//   extend: pending_review, scheduled, active stay where they are.
//
// A lease holds capacity (rows in the store's allocation table, reservations in
// the calendar) while it is pending_review, scheduled, active or on
// compliance_hold; completed and terminated leases keep their allocations as
// history (a terminated one shortened to when it ended); denied, cancelled and
// expired ones hold none.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "placement/request.h"
#include "policy/types.h"

namespace straits {
// A lease's id, "lease-000042". The same alias as billing/entities.h declares.
using LeaseId = Id<struct LeaseIdTag>;
}  // namespace straits

namespace straits::lease {

enum class State : uint8_t {
  kRequested,
  kPendingReview,
  kDenied,
  kScheduled,
  kActive,
  kCompleted,
  kCancelled,
  kTerminated,
  kComplianceHold,
  kExpired,
};
inline constexpr int kStateCount = 10;

// "requested", "pending_review", "denied", "scheduled", "active", "completed",
// "cancelled", "terminated", "compliance_hold", "expired".
std::string_view StateName(State state);
// invalid_argument (field `field`) naming the accepted values.
Result<State> ParseState(std::string_view text, std::string_view field = "state");

// No transition leaves it.
bool IsTerminal(State state);
// The lease keeps GPUs reserved that other leases may not use.
bool HoldsCapacity(State state);
// Its allocations stay in the store (capacity held, or history of use).
bool KeepsAllocations(State state);

enum class Event : uint8_t {
  kPlaceAllowed,      // compliance allowed and placed
  kPlaceNeedsReview,  // verdict conditions or license_required, placed (capacity held)
  kPlaceProhibited,   // verdict prohibited
  kApprove,           // compliance officer approves (review or hold)
  kDeny,              // compliance officer denies
  kCancel,            // tenant or operator cancels before the start
  kTerminate,         // ended by request after the start
  kExpire,            // the review hold ran out, or a held lease reached its end
  kStart,             // start reached and compliance still satisfied
  kFinish,            // end reached
  kHold,              // the verdict got stricter than the one accepted
  kExtend,            // a later end (same state)
};
inline constexpr int kEventCount = 12;

// "place_allowed", "approve", ...
std::string_view EventName(Event event);

// The state `event` leads to from `from`, or nullopt when the transition is
// not allowed.
std::optional<State> Next(State from, Event event);

// failed_precondition for a refused transition, naming the lease, its state,
// and the states from which `event` is allowed.
Status RefusedTransition(const LeaseId& id, State from, Event event);

// The verdict a decision leads to.
Event PlacementEvent(policy::Verdict verdict);

// "lease-000042" for sequence number 42.
LeaseId LeaseIdFromSeq(int64_t seq);
// 42 for "lease-000042"; nullopt for anything else.
std::optional<int64_t> SeqFromLeaseId(std::string_view id);

// What the tenant asked for, validated (see lease/request_json.h for parsing).
struct LeaseSpec {
  OrgId tenant;
  int64_t gpus = 0;
  std::vector<ModelId> models;  // acceptable models; empty: any meeting min_tpp
  std::optional<double> min_tpp;
  placement::Scope scope = placement::Scope::kNode;
  Instant earliest_start;
  std::optional<Instant> latest_end;  // none: no deadline; a fixed start has earliest + duration
  Duration duration;
  std::vector<SiteId> sites;  // only these sites, in preference order; empty: any site
  std::optional<Money> max_price_per_gpu_hour;
  policy::EndUse end_use = policy::EndUse::kUndeclared;
  std::optional<double> training_flop;

  friend bool operator==(const LeaseSpec&, const LeaseSpec&) = default;
};

// Checks the values (not the references to the fleet): gpus >= 1, duration > 0,
// a window that fits the duration, min_tpp and training_flop finite and >= 0,
// a non-negative price. invalid_argument naming the field.
Status ValidateSpec(const LeaseSpec& spec);

struct NodeAllocation {
  NodeId node;
  int32_t gpus = 0;
  friend bool operator==(const NodeAllocation&, const NodeAllocation&) = default;
};

struct LeasePlacement {
  SiteId site;
  ModelId model;
  Instant start;
  Instant end;
  std::vector<NodeAllocation> allocations;  // ascending by node id, one per node
  std::optional<Money> price_per_gpu_hour;  // from the site's rate card, when it has one

  int64_t gpus() const {
    int64_t total = 0;
    for (const NodeAllocation& a : allocations) total += a.gpus;
    return total;
  }
  friend bool operator==(const LeasePlacement&, const LeasePlacement&) = default;
};

struct Lease {
  LeaseId id;
  int64_t seq = 0;      // assigned by the store
  int64_t version = 0;  // bumped by every change; updates name the version they read
  // The key of its reservation in placement calendars, chosen by the service
  // that placed it, so every process names the lease's GPUs alike.
  int64_t reservation = 0;
  State state = State::kRequested;
  LeaseSpec spec;
  std::optional<LeasePlacement> placement;  // none when denied before placement
  // The verdict of the latest decision, and the one the lease was scheduled or
  // approved under: a later decision stricter than `accepted_verdict` holds it.
  policy::Verdict verdict = policy::Verdict::kAllowed;
  policy::Verdict accepted_verdict = policy::Verdict::kAllowed;
  std::optional<Instant> hold_until;  // pending_review: capacity held until then
  std::string reason;                 // why it was denied, approved, held, ended
  std::string license;                // license or permit number given at approval
  std::string reviewed_by;
  std::string created_by;
  Instant created_at;
  Instant updated_at;

  friend bool operator==(const Lease&, const Lease&) = default;
};

}  // namespace straits::lease

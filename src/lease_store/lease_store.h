// LeaseStore: the repository of leases, their capacity, compliance decisions,
// idempotency keys and the hash-chained audit trail.
//
// Every change is a `LeaseWrite`: the new record of one lease together with
// the decisions taken, the audit entry describing it and, optionally, the
// idempotency key of the request that caused it. `Apply` commits a batch of
// writes in ONE database transaction (group commit), each inside its own
// savepoint, so one refused write does not undo the others and every
// acknowledged write is durable (synchronous=FULL) when Apply returns.
//
// Invariants enforced inside the write transaction, against what is committed
// (so two processes, or two threads, racing for the last GPUs cannot both win):
//   - no oversubscription: for every node and instant, the GPUs of the
//     allocations on it never exceed the node's count (nodes table);
//   - atomicity: a lease's state, its allocations, its decisions, its audit
//     entry and its idempotency key commit together or not at all;
//   - optimistic concurrency: an update names the version it read; if the
//     lease changed since, the write is refused (aborted).
//
// Allocations follow the lease's state: while it holds capacity or keeps
// history (lease::KeepsAllocations) they are its placement's nodes over
// [start, end); otherwise none. Every change of allocations appends to a
// capacity log, so a process can bring its in-memory calendar up to date with
// changes made by others (CapacityChangesSince).
//
// Audit: entry n stores hash_n = SHA-256(hash_{n-1} || canonical(entry n)),
// hash_0 = 64 zeros; a one-row head records the last sequence number and hash.
// VerifyAudit walks the chain and names the first entry altered or removed.
//
// Error codes: not_found (unknown lease), aborted (a concurrent change won:
// version mismatch, or the capacity is no longer free; retry with fresh data),
// invalid_argument (an idempotency key reused for a different request, an
// allocation on an unknown node), unavailable (database busy or unreachable),
// internal (a corrupt row).
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "lease/lease.h"
#include "policy/types.h"
#include "store/store.h"

namespace straits::lease_store {

// One compliance decision taken for a lease: the verdict and the JSON of the
// full decision (regimes with content hashes, rules that fired, input snapshot).
struct DecisionRecord {
  int64_t id = 0;     // assigned by the store
  LeaseId lease;      // filled in by the store for a new lease
  Instant at;         // when it was taken
  std::string stage;  // "request", "approval", "activation", "reevaluation"
  policy::Verdict verdict = policy::Verdict::kAllowed;
  std::optional<SiteId> site;
  std::optional<ModelId> model;
  Instant date;      // the date the regimes were chosen by
  std::string body;  // JSON object text
};

struct AuditInput {
  Instant at;
  std::string actor;   // "token:tok_3f9a (ops)", "cli:alice", "system"
  std::string action;  // "lease.request", "lease.approve", "lease.activate", ...
  std::string detail;  // JSON object text
};

struct AuditEntry {
  int64_t seq = 0;
  Instant at;
  std::string actor;
  std::string action;
  std::string subject;  // the lease id, or what else the entry is about
  std::string detail;
  std::string prev_hash;
  std::string hash;
};

// hex SHA-256 of prev_hash and the entry's fields (length-prefixed, so no two
// different entries serialize alike).
std::string AuditHash(const AuditEntry& entry);
// The hash before the first entry.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditVerification {
  bool ok = true;
  int64_t entries = 0;
  std::optional<int64_t> first_bad;  // sequence number of the first bad entry
  std::string message;               // what is wrong with it
};

struct IdempotencyInput {
  std::string scope;        // whose key it is (token or organization)
  std::string key;          // the Idempotency-Key header
  std::string fingerprint;  // of the request (method, path, body)
  int status = 200;         // the answer's HTTP status, replayed with the body
};

struct Replay {
  int status = 0;
  std::string body;
};

struct LeaseWrite {
  lease::Lease lease;  // the new record; for a create, id/seq/version are assigned
  bool create = false;
  int64_t expected_version = 0;  // updates: the version the change was computed from
  std::vector<DecisionRecord> decisions;
  AuditInput audit;
  std::optional<IdempotencyInput> idempotency;
  // Renders the answer stored with the idempotency key (given the lease as stored).
  std::function<std::string(const lease::Lease&)> render;
};

struct Written {
  lease::Lease lease;            // as stored: id, seq, version
  std::optional<Replay> replay;  // the key was used before for this request: nothing written
  int64_t capacity_change = 0;   // capacity log sequence number, 0 when allocations did not change
};

struct LeaseFilter {
  std::optional<OrgId> tenant;
  std::optional<lease::State> state;
  std::optional<SiteId> site;
  std::vector<OrgId> tenants = {};  // when not empty: leases of any of these
};

struct AllocationRow {
  int64_t lease_seq = 0;
  int64_t reservation = 0;  // the lease's calendar key
  NodeId node;
  Instant start;
  Instant end;
  int32_t gpus = 0;
  friend bool operator==(const AllocationRow&, const AllocationRow&) = default;
};

struct CapacityChanges {
  int64_t latest = 0;  // newest capacity log sequence number
  // (log sequence number, lease sequence number) of every change after `after`, oldest first.
  std::vector<std::pair<int64_t, int64_t>> changes;
};

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Commits `writes` in one transaction; one result per write, in order. When
  // the commit itself fails, every result carries that error.
  virtual std::vector<Result<Written>> Apply(std::span<const LeaseWrite> writes) = 0;

  virtual Result<lease::Lease> GetLease(const LeaseId& id) = 0;
  // Ordered by sequence number; the cursor is opaque.
  virtual Result<store::Page<lease::Lease>> ListLeases(const LeaseFilter& filter,
                                                       const store::PageRequest& page) = 0;
  // Leases in any of `states`, by sequence number.
  virtual Result<std::vector<lease::Lease>> ListInStates(std::span<const lease::State> states) = 0;
  // Leases a clock tick at `now` has to move: scheduled with start <= now,
  // active with end <= now, pending_review with hold_until <= now or end <= now,
  // compliance_hold with end <= now.
  virtual Result<std::vector<lease::Lease>> ListDue(Instant now) = 0;

  // Every allocation still running at or after `from` (end > from).
  virtual Result<std::vector<AllocationRow>> LoadAllocations(Instant from) = 0;
  virtual Result<std::vector<AllocationRow>> AllocationsOf(int64_t lease_seq) = 0;
  // Allocations on the nodes of `site` overlapping [from, to), with their lease ids.
  virtual Result<std::vector<std::pair<LeaseId, AllocationRow>>> SiteAllocations(const SiteId& site,
                                                                                 Instant from,
                                                                                 Instant to) = 0;
  virtual Result<CapacityChanges> CapacityChangesSince(int64_t after) = 0;

  // The stored answer for (scope, key), if any (a fast path before computing).
  virtual Result<std::optional<std::pair<std::string, Replay>>> FindIdempotent(
      const std::string& scope, const std::string& key) = 0;

  virtual Result<std::vector<DecisionRecord>> Decisions(const LeaseId& lease) = 0;

  // An audit entry on its own (not tied to a lease change), about `subject`.
  virtual Status AppendAudit(const AuditInput& input, const std::string& subject) = 0;
  // Entries with from <= at < to (either bound optional), in order; `visit`
  // returning false stops the walk.
  virtual Status ListAudit(std::optional<Instant> from, std::optional<Instant> to,
                           const std::function<bool(const AuditEntry&)>& visit) = 0;
  virtual Result<AuditVerification> VerifyAudit() = 0;
};

}  // namespace straits::lease_store

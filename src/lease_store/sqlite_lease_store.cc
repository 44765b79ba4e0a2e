#include "lease_store/sqlite_lease_store.h"

#include <algorithm>
#include <array>
#include <map>

#include "auth/tokens.h"
#include "lease/json.h"
#include "store/sqlite/db.h"
#include "store/sqlite/family.h"

namespace straits::lease_store {
namespace {

using lease::Lease;
using lease::State;
using store::sqlite::Connection;
using store::sqlite::ConnectionPool;
using store::sqlite::Statement;
using store::sqlite::Transaction;

// Append-only: a new step is a new entry.
constexpr std::string_view kLeaseMigrations[] = {R"sql(
CREATE TABLE leases (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  reservation INTEGER NOT NULL,
  spec TEXT NOT NULL,
  site TEXT,
  model TEXT,
  start_at INTEGER,
  end_at INTEGER,
  placement TEXT,
  verdict TEXT NOT NULL,
  accepted_verdict TEXT NOT NULL,
  hold_until INTEGER,
  reason TEXT NOT NULL,
  license TEXT NOT NULL,
  reviewed_by TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX leases_by_tenant ON leases(tenant, seq);
CREATE INDEX leases_by_state_start ON leases(state, start_at);
CREATE INDEX leases_by_state_end ON leases(state, end_at);
CREATE INDEX leases_by_site ON leases(site, seq);
CREATE TABLE lease_allocations (
  lease_seq INTEGER NOT NULL REFERENCES leases(seq),
  node TEXT NOT NULL,
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  gpus INTEGER NOT NULL CHECK (gpus > 0),
  CHECK (start_at < end_at),
  PRIMARY KEY (lease_seq, node)
);
CREATE INDEX allocations_by_node_end ON lease_allocations(node, end_at);
CREATE TABLE capacity_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  lease_seq INTEGER NOT NULL
);
CREATE TABLE lease_decisions (
  id INTEGER PRIMARY KEY,
  lease_seq INTEGER NOT NULL REFERENCES leases(seq),
  at INTEGER NOT NULL,
  stage TEXT NOT NULL,
  verdict TEXT NOT NULL,
  site TEXT,
  model TEXT,
  date INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX decisions_by_lease ON lease_decisions(lease_seq, id);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  lease_seq INTEGER,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_log(at, seq);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql"};

constexpr std::string_view kLeaseColumns =
    "SELECT seq, id, state, version, spec, placement, verdict, accepted_verdict, hold_until, "
    "reason, license, reviewed_by, created_by, created_at, updated_at, reservation FROM leases";

Status Corrupt(std::string_view what, const Status& why) {
  return Internal("corrupt " + std::string(what) + ": " + why.message());
}

Result<policy::Verdict> ReadVerdict(const std::string& text) {
  std::optional<policy::Verdict> v = policy::ParseVerdict(text);
  if (!v) return Internal("corrupt verdict \"" + text + "\"");
  return *v;
}

Result<Lease> ReadLease(Statement& stmt) {
  Lease lease;
  lease.seq = stmt.Int(0);
  Result<LeaseId> id = LeaseId::Parse(stmt.Text(1));
  if (!id.ok()) return Corrupt("lease id", id.status());
  lease.id = *id;
  Result<State> state = lease::ParseState(stmt.Text(2));
  if (!state.ok()) return Corrupt("lease state", state.status());
  lease.state = *state;
  lease.version = stmt.Int(3);
  lease.reservation = stmt.Int(15);
  lease.created_at = Instant::FromUnixSeconds(stmt.Int(13));
  lease.updated_at = Instant::FromUnixSeconds(stmt.Int(14));
  boost::system::error_code ec;
  boost::json::value spec = boost::json::parse(stmt.Text(4), ec);
  if (ec || !spec.is_object()) return Internal("corrupt request of lease " + lease.id.str());
  Result<lease::LeaseSpec> parsed = lease::SpecFromJson(spec.as_object(), lease.created_at);
  if (!parsed.ok()) return Corrupt("request of lease " + lease.id.str(), parsed.status());
  lease.spec = std::move(parsed).value();
  if (std::optional<std::string> placement = stmt.OptionalText(5)) {
    boost::json::value p = boost::json::parse(*placement, ec);
    if (ec || !p.is_object()) return Internal("corrupt placement of lease " + lease.id.str());
    Result<lease::LeasePlacement> pl = lease::PlacementFromJson(p.as_object());
    if (!pl.ok()) return Corrupt("placement of lease " + lease.id.str(), pl.status());
    lease.placement = std::move(pl).value();
  }
  STRAITS_ASSIGN_OR_RETURN(lease.verdict, ReadVerdict(stmt.Text(6)));
  STRAITS_ASSIGN_OR_RETURN(lease.accepted_verdict, ReadVerdict(stmt.Text(7)));
  if (std::optional<int64_t> hold = stmt.OptionalInt(8)) {
    lease.hold_until = Instant::FromUnixSeconds(*hold);
  }
  lease.reason = stmt.Text(9);
  lease.license = stmt.Text(10);
  lease.reviewed_by = stmt.Text(11);
  lease.created_by = stmt.Text(12);
  return lease;
}

// Rows the lease's state and placement call for.
std::vector<AllocationRow> DesiredAllocations(const Lease& lease) {
  std::vector<AllocationRow> rows;
  if (!lease::KeepsAllocations(lease.state) || !lease.placement) return rows;
  const lease::LeasePlacement& p = *lease.placement;
  if (p.end <= p.start) return rows;
  for (const lease::NodeAllocation& a : p.allocations) {
    rows.push_back({lease.seq, lease.reservation, a.node, p.start, p.end, a.gpus});
  }
  std::sort(rows.begin(), rows.end(),
            [](const AllocationRow& a, const AllocationRow& b) { return a.node < b.node; });
  return rows;
}

Result<std::vector<AllocationRow>> ReadAllocations(Statement& stmt) {
  std::vector<AllocationRow> rows;
  for (;;) {
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    Result<NodeId> node = NodeId::Parse(stmt.Text(1));
    if (!node.ok()) return Corrupt("allocation node", node.status());
    rows.push_back({stmt.Int(0), stmt.Int(5), *node, Instant::FromUnixSeconds(stmt.Int(2)),
                    Instant::FromUnixSeconds(stmt.Int(3)), static_cast<int32_t>(stmt.Int(4))});
  }
}

void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

class SqliteLeaseStore final : public LeaseStore {
 public:
  explicit SqliteLeaseStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  std::vector<Result<Written>> Apply(std::span<const LeaseWrite> writes) override {
    std::vector<Result<Written>> results;
    results.reserve(writes.size());
    auto conn = pool_->Acquire();
    auto fail_all = [&](const Status& s) {
      results.clear();
      for (size_t i = 0; i < writes.size(); ++i) results.emplace_back(s);
      return results;
    };
    Result<std::unique_ptr<Transaction>> tx = Transaction::Begin(*conn);
    if (!tx.ok()) return fail_all(tx.status());
    for (const LeaseWrite& write : writes) {
      Status sp = conn->Exec("SAVEPOINT lease_write");
      if (!sp.ok()) return fail_all(sp);
      Result<Written> written = ApplyOne(*conn, write);
      if (written.ok()) {
        sp = conn->Exec("RELEASE lease_write");
      } else {
        sp = conn->Exec("ROLLBACK TO lease_write");
        if (sp.ok()) sp = conn->Exec("RELEASE lease_write");
      }
      if (!sp.ok()) return fail_all(sp);
      results.push_back(std::move(written));
    }
    Status commit = (*tx)->Commit();
    if (!commit.ok()) return fail_all(commit);
    return results;
  }

  Result<Lease> GetLease(const LeaseId& id) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare(std::string(kLeaseColumns) + " WHERE id = ?"));
    stmt.Bind(1, id.str());
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no lease \"" + id.str() + "\"", "id");
    return ReadLease(stmt);
  }

  Result<store::Page<Lease>> ListLeases(const LeaseFilter& filter,
                                        const store::PageRequest& page) override {
    auto conn = pool_->Acquire();
    int64_t after = 0;
    if (!page.cursor.empty()) {
      std::optional<int64_t> seq = lease::SeqFromLeaseId(page.cursor);
      if (!seq) return InvalidArgument("not a cursor from a previous page", "cursor");
      after = *seq;
    }
    const int limit = std::clamp(page.limit, 1, 1000);
    std::string sql = std::string(kLeaseColumns) + " WHERE seq > ?";
    if (filter.tenant) sql += " AND tenant = ?";
    if (!filter.tenants.empty()) {
      sql += " AND tenant IN (?";
      for (size_t i = 1; i < filter.tenants.size(); ++i) sql += ", ?";
      sql += ")";
    }
    if (filter.state) sql += " AND state = ?";
    if (filter.site) sql += " AND site = ?";
    sql += " ORDER BY seq LIMIT ?";
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(sql));
    int arg = 1;
    stmt.Bind(arg++, after);
    if (filter.tenant) stmt.Bind(arg++, filter.tenant->str());
    for (const OrgId& tenant : filter.tenants) stmt.Bind(arg++, tenant.str());
    if (filter.state) stmt.Bind(arg++, lease::StateName(*filter.state));
    if (filter.site) stmt.Bind(arg++, filter.site->str());
    stmt.Bind(arg, int64_t{limit} + 1);
    store::Page<Lease> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(Lease lease, ReadLease(stmt));
      out.items.push_back(std::move(lease));
    }
    if (out.items.size() > static_cast<size_t>(limit)) {
      out.items.resize(static_cast<size_t>(limit));
      out.next_cursor = out.items.back().id.str();
    }
    return out;
  }

  Result<std::vector<Lease>> ListInStates(std::span<const State> states) override {
    auto conn = pool_->Acquire();
    std::vector<Lease> out;
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(std::string(kLeaseColumns) +
                                                           " WHERE state = ? ORDER BY seq"));
    for (State s : states) {
      stmt.Bind(1, lease::StateName(s));
      for (;;) {
        STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
        if (!row) break;
        STRAITS_ASSIGN_OR_RETURN(Lease lease, ReadLease(stmt));
        out.push_back(std::move(lease));
      }
      STRAITS_RETURN_IF_ERROR(stmt.Reset());
    }
    std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) { return a.seq < b.seq; });
    return out;
  }

  Result<std::vector<Lease>> ListDue(Instant now) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare(std::string(kLeaseColumns) +
                      " WHERE (state = 'scheduled' AND start_at <= ?1)"
                      " OR (state = 'active' AND end_at <= ?1)"
                      " OR (state = 'pending_review' AND (hold_until <= ?1 OR end_at <= ?1))"
                      " OR (state = 'compliance_hold' AND end_at <= ?1)"
                      " ORDER BY seq"));
    stmt.Bind(1, now.unix_seconds());
    std::vector<Lease> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      STRAITS_ASSIGN_OR_RETURN(Lease lease, ReadLease(stmt));
      out.push_back(std::move(lease));
    }
  }

  Result<std::vector<AllocationRow>> LoadAllocations(Instant from) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT a.lease_seq, a.node, a.start_at, a.end_at, a.gpus, l.reservation "
                      "FROM lease_allocations a JOIN leases l ON l.seq = a.lease_seq "
                      "WHERE a.end_at > ? ORDER BY a.lease_seq, a.node"));
    stmt.Bind(1, from.unix_seconds());
    return ReadAllocations(stmt);
  }

  Result<std::vector<AllocationRow>> AllocationsOf(int64_t lease_seq) override {
    auto conn = pool_->Acquire();
    return AllocationsOn(*conn, lease_seq);
  }

  Result<std::vector<std::pair<LeaseId, AllocationRow>>> SiteAllocations(const SiteId& site,
                                                                         Instant from,
                                                                         Instant to) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare(
            "SELECT a.lease_seq, a.node, a.start_at, a.end_at, a.gpus, l.reservation, l.id "
            "FROM lease_allocations a JOIN leases l ON l.seq = a.lease_seq "
            "WHERE l.site = ? AND a.start_at < ? AND a.end_at > ? "
            "ORDER BY a.node, a.start_at, a.lease_seq"));
    stmt.Bind(1, site.str()).Bind(2, to.unix_seconds()).Bind(3, from.unix_seconds());
    std::vector<std::pair<LeaseId, AllocationRow>> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      Result<NodeId> node = NodeId::Parse(stmt.Text(1));
      Result<LeaseId> id = LeaseId::Parse(stmt.Text(6));
      if (!node.ok() || !id.ok()) return Internal("corrupt allocation row");
      out.emplace_back(
          *id,
          AllocationRow{stmt.Int(0), stmt.Int(5), *node, Instant::FromUnixSeconds(stmt.Int(2)),
                        Instant::FromUnixSeconds(stmt.Int(3)), static_cast<int32_t>(stmt.Int(4))});
    }
  }

  Result<CapacityChanges> CapacityChangesSince(int64_t after) override {
    auto conn = pool_->Acquire();
    CapacityChanges out;
    {
      STRAITS_ASSIGN_OR_RETURN(Statement latest,
                               conn->Prepare("SELECT coalesce(max(seq), 0) FROM capacity_changes"));
      STRAITS_ASSIGN_OR_RETURN(bool row, latest.Step());
      out.latest = row ? latest.Int(0) : 0;
    }
    if (out.latest <= after) return out;
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT seq, lease_seq FROM capacity_changes WHERE seq > ? AND seq <= ? "
                      "ORDER BY seq"));
    stmt.Bind(1, after).Bind(2, out.latest);
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.changes.emplace_back(stmt.Int(0), stmt.Int(1));
    }
    return out;
  }

  Result<std::optional<std::pair<std::string, Replay>>> FindIdempotent(
      const std::string& scope, const std::string& key) override {
    auto conn = pool_->Acquire();
    return FindKey(*conn, scope, key);
  }

  Result<std::vector<DecisionRecord>> Decisions(const LeaseId& lease) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT d.id, d.at, d.stage, d.verdict, d.site, d.model, d.date, d.body "
                      "FROM lease_decisions d JOIN leases l ON l.seq = d.lease_seq "
                      "WHERE l.id = ? ORDER BY d.id"));
    stmt.Bind(1, lease.str());
    std::vector<DecisionRecord> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      DecisionRecord d;
      d.id = stmt.Int(0);
      d.lease = lease;
      d.at = Instant::FromUnixSeconds(stmt.Int(1));
      d.stage = stmt.Text(2);
      STRAITS_ASSIGN_OR_RETURN(d.verdict, ReadVerdict(stmt.Text(3)));
      if (auto site = stmt.OptionalText(4)) {
        Result<SiteId> s = SiteId::Parse(*site);
        if (!s.ok()) return Corrupt("decision site", s.status());
        d.site = *s;
      }
      if (auto model = stmt.OptionalText(5)) {
        Result<ModelId> m = ModelId::Parse(*model);
        if (!m.ok()) return Corrupt("decision model", m.status());
        d.model = *m;
      }
      d.date = Instant::FromUnixSeconds(stmt.Int(6));
      d.body = stmt.Text(7);
      out.push_back(std::move(d));
    }
  }

  Status AppendAudit(const AuditInput& input, const std::string& subject) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_RETURN_IF_ERROR(Audit(*conn, input, subject));
    return tx->Commit();
  }

  Status ListAudit(std::optional<Instant> from, std::optional<Instant> to,
                   const std::function<bool(const AuditEntry&)>& visit) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT seq, at, actor, action, subject, detail, prev_hash, hash "
                      "FROM audit_log WHERE at >= ? AND at < ? ORDER BY seq"));
    stmt.Bind(1, from ? from->unix_seconds() : std::numeric_limits<int64_t>::min());
    stmt.Bind(2, to ? to->unix_seconds() : std::numeric_limits<int64_t>::max());
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Status::Ok();
      if (!visit(ReadAuditEntry(stmt))) return Status::Ok();
    }
  }

  Result<AuditVerification> VerifyAudit() override {
    auto conn = pool_->Acquire();
    AuditVerification out;
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT seq, at, actor, action, subject, detail, prev_hash, hash "
                      "FROM audit_log ORDER BY seq"));
    std::string prev(kGenesisHash);
    int64_t expected_seq = 1;
    auto bad = [&](int64_t seq, std::string message) {
      out.ok = false;
      out.first_bad = seq;
      out.message = std::move(message);
      return out;
    };
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      AuditEntry e = ReadAuditEntry(stmt);
      const std::string where = "audit entry " + std::to_string(e.seq) + " (" + e.at.ToString() +
                                ", " + e.action + " " + e.subject + ")";
      if (e.seq != expected_seq) {
        return bad(expected_seq,
                   "audit entry " + std::to_string(expected_seq) +
                       (e.seq > expected_seq
                            ? " is missing: the chain jumps to entry " + std::to_string(e.seq)
                            : " is out of sequence"));
      }
      if (e.prev_hash != prev) {
        return bad(e.seq, where + " does not follow its predecessor: it records previous hash " +
                              e.prev_hash + ", but entry " + std::to_string(e.seq - 1) +
                              " hashes to " + prev + " (an entry was removed or altered)");
      }
      const std::string computed = AuditHash(e);
      if (computed != e.hash) {
        return bad(e.seq, where + " was altered: its contents hash to " + computed +
                              ", not the recorded " + e.hash);
      }
      prev = e.hash;
      ++expected_seq;
      ++out.entries;
    }
    STRAITS_ASSIGN_OR_RETURN(Statement head,
                             conn->Prepare("SELECT seq, hash FROM audit_head WHERE id = 1"));
    STRAITS_ASSIGN_OR_RETURN(bool has_head, head.Step());
    const int64_t head_seq = has_head ? head.Int(0) : 0;
    const std::string head_hash = has_head ? head.Text(1) : std::string(kGenesisHash);
    if (head_seq != out.entries || head_hash != prev) {
      if (head_seq > out.entries) {
        return bad(out.entries + 1, "audit entries " + std::to_string(out.entries + 1) + " to " +
                                        std::to_string(head_seq) +
                                        " were removed (the chain head records " +
                                        std::to_string(head_seq) + " entries)");
      }
      return bad(head_seq + 1, "the chain head records " + std::to_string(head_seq) +
                                   " entries ending in hash " + head_hash + ", but the log holds " +
                                   std::to_string(out.entries) + " ending in " + prev);
    }
    out.message = std::to_string(out.entries) + " audit entries, chain intact";
    return out;
  }

 private:
  static AuditEntry ReadAuditEntry(Statement& stmt) {
    AuditEntry e;
    e.seq = stmt.Int(0);
    e.at = Instant::FromUnixSeconds(stmt.Int(1));
    e.actor = stmt.Text(2);
    e.action = stmt.Text(3);
    e.subject = stmt.Text(4);
    e.detail = stmt.Text(5);
    e.prev_hash = stmt.Text(6);
    e.hash = stmt.Text(7);
    return e;
  }

  static Result<std::vector<AllocationRow>> AllocationsOn(Connection& conn, int64_t lease_seq) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT a.lease_seq, a.node, a.start_at, a.end_at, a.gpus, l.reservation "
                     "FROM lease_allocations a JOIN leases l ON l.seq = a.lease_seq "
                     "WHERE a.lease_seq = ? ORDER BY a.node"));
    stmt.Bind(1, lease_seq);
    return ReadAllocations(stmt);
  }

  static Result<std::optional<std::pair<std::string, Replay>>> FindKey(Connection& conn,
                                                                       const std::string& scope,
                                                                       const std::string& key) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT fingerprint, status, body FROM idempotency_keys WHERE scope = ? AND "
                     "key = ?"));
    stmt.Bind(1, scope).Bind(2, key);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<std::pair<std::string, Replay>>();
    return std::optional<std::pair<std::string, Replay>>(
        std::in_place, stmt.Text(0), Replay{static_cast<int>(stmt.Int(1)), stmt.Text(2)});
  }

  // Largest number of GPUs in use on `node` at any instant of [start, end),
  // counting committed allocations (and those written earlier in this
  // transaction) of other leases.
  static Result<int64_t> PeakUse(Connection& conn, const NodeId& node, Instant start, Instant end,
                                 int64_t exclude_lease) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT start_at, end_at, gpus FROM lease_allocations WHERE node = ? AND "
                     "end_at > ? AND start_at < ? AND lease_seq != ?"));
    stmt.Bind(1, node.str()).Bind(2, start.unix_seconds()).Bind(3, end.unix_seconds());
    stmt.Bind(4, exclude_lease);
    std::vector<std::pair<int64_t, int64_t>> deltas;  // (time, +/- gpus); ends sort first
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      const int64_t s = std::max(stmt.Int(0), start.unix_seconds());
      const int64_t e = std::min(stmt.Int(1), end.unix_seconds());
      deltas.emplace_back(s, stmt.Int(2));
      deltas.emplace_back(e, -stmt.Int(2));
    }
    std::sort(deltas.begin(), deltas.end());
    int64_t use = 0, peak = 0;
    for (const auto& [t, d] : deltas) {
      use += d;
      peak = std::max(peak, use);
    }
    return peak;
  }

  static Result<int64_t> NodeCapacity(Connection& conn, const NodeId& node) {
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn.Prepare("SELECT gpus FROM nodes WHERE hostname = ?"));
    stmt.Bind(1, node.str());
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return InvalidArgument("no node \"" + node.str() + "\"", "placement.nodes");
    return stmt.Int(0);
  }

  // Brings the lease's allocation rows in line with its state and placement,
  // refusing (aborted) any growth that does not fit. Returns the capacity log
  // sequence number, or 0 when nothing changed.
  static Result<int64_t> SyncAllocations(Connection& conn, const Lease& lease) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<AllocationRow> old_rows, AllocationsOn(conn, lease.seq));
    std::vector<AllocationRow> new_rows = DesiredAllocations(lease);
    if (old_rows == new_rows) return int64_t{0};
    STRAITS_ASSIGN_OR_RETURN(Statement del,
                             conn.Prepare("DELETE FROM lease_allocations WHERE lease_seq = ?"));
    del.Bind(1, lease.seq);
    STRAITS_RETURN_IF_ERROR(del.Run());
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn.Prepare("INSERT INTO lease_allocations(lease_seq, node, start_at, end_at, gpus) "
                     "VALUES(?,?,?,?,?)"));
    for (const AllocationRow& row : new_rows) {
      // A row inside what the lease already held (same node, no more GPUs,
      // within the old interval) cannot oversubscribe anything.
      bool covered = false;
      for (const AllocationRow& old : old_rows) {
        covered = covered || (old.node == row.node && old.gpus >= row.gpus &&
                              old.start <= row.start && row.end <= old.end);
      }
      if (!covered) {
        STRAITS_ASSIGN_OR_RETURN(int64_t capacity, NodeCapacity(conn, row.node));
        STRAITS_ASSIGN_OR_RETURN(int64_t peak,
                                 PeakUse(conn, row.node, row.start, row.end, lease.seq));
        if (peak + row.gpus > capacity) {
          return Aborted("node " + row.node.str() + " has " + std::to_string(capacity - peak) +
                         " of " + std::to_string(capacity) + " GPUs free somewhere in [" +
                         row.start.ToString() + ", " + row.end.ToString() + "), not " +
                         std::to_string(row.gpus) + ": another lease took them first");
        }
      }
      insert.Bind(1, lease.seq).Bind(2, row.node.str()).Bind(3, row.start.unix_seconds());
      insert.Bind(4, row.end.unix_seconds()).Bind(5, int64_t{row.gpus});
      STRAITS_RETURN_IF_ERROR(insert.Run());
      STRAITS_RETURN_IF_ERROR(insert.Reset());
    }
    STRAITS_ASSIGN_OR_RETURN(Statement log,
                             conn.Prepare("INSERT INTO capacity_changes(lease_seq) VALUES(?)"));
    log.Bind(1, lease.seq);
    STRAITS_RETURN_IF_ERROR(log.Run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(conn.handle()));
  }

  static Status Audit(Connection& conn, const AuditInput& input, const std::string& subject) {
    AuditEntry e;
    {
      STRAITS_ASSIGN_OR_RETURN(Statement head,
                               conn.Prepare("SELECT seq, hash FROM audit_head WHERE id = 1"));
      STRAITS_ASSIGN_OR_RETURN(bool row, head.Step());
      e.seq = (row ? head.Int(0) : 0) + 1;
      e.prev_hash = row ? head.Text(1) : std::string(kGenesisHash);
    }
    e.at = input.at;
    e.actor = input.actor;
    e.action = input.action;
    e.subject = subject;
    e.detail = input.detail.empty() ? "{}" : input.detail;
    e.hash = AuditHash(e);
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn.Prepare("INSERT INTO audit_log(seq, at, actor, action, subject, detail, prev_hash, "
                     "hash) VALUES(?,?,?,?,?,?,?,?)"));
    insert.Bind(1, e.seq).Bind(2, e.at.unix_seconds()).Bind(3, e.actor).Bind(4, e.action);
    insert.Bind(5, e.subject).Bind(6, e.detail).Bind(7, e.prev_hash).Bind(8, e.hash);
    STRAITS_RETURN_IF_ERROR(insert.Run());
    STRAITS_ASSIGN_OR_RETURN(
        Statement head,
        conn.Prepare("INSERT INTO audit_head(id, seq, hash) VALUES(1, ?, ?) "
                     "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"));
    head.Bind(1, e.seq).Bind(2, e.hash);
    return head.Run();
  }

  static Status BindLease(Statement& stmt, const Lease& lease) {
    // Columns 1..: id, tenant, state, version, spec, site, model, start_at, end_at,
    // placement, verdict, accepted_verdict, hold_until, reason, license,
    // reviewed_by, created_by, created_at, updated_at.
    stmt.Bind(1, lease.id.str()).Bind(2, lease.spec.tenant.str());
    stmt.Bind(3, lease::StateName(lease.state)).Bind(4, lease.version);
    stmt.Bind(5, boost::json::serialize(lease::SpecToJson(lease.spec)));
    if (lease.placement) {
      const lease::LeasePlacement& p = *lease.placement;
      stmt.Bind(6, p.site.str()).Bind(7, p.model.str());
      stmt.Bind(8, p.start.unix_seconds()).Bind(9, p.end.unix_seconds());
      stmt.Bind(10, boost::json::serialize(lease::PlacementToJson(p)));
    } else {
      stmt.BindNull(6).BindNull(7).BindNull(8).BindNull(9).BindNull(10);
    }
    stmt.Bind(11, policy::VerdictName(lease.verdict));
    stmt.Bind(12, policy::VerdictName(lease.accepted_verdict));
    if (lease.hold_until) {
      stmt.Bind(13, lease.hold_until->unix_seconds());
    } else {
      stmt.BindNull(13);
    }
    stmt.Bind(14, lease.reason).Bind(15, lease.license).Bind(16, lease.reviewed_by);
    stmt.Bind(17, lease.created_by).Bind(18, lease.created_at.unix_seconds());
    stmt.Bind(19, lease.updated_at.unix_seconds()).Bind(20, lease.reservation);
    return Status::Ok();
  }

  static Result<Written> ApplyOne(Connection& conn, const LeaseWrite& write) {
    Written out;
    if (write.idempotency) {
      STRAITS_ASSIGN_OR_RETURN(auto found,
                               FindKey(conn, write.idempotency->scope, write.idempotency->key));
      if (found) {
        if (found->first != write.idempotency->fingerprint) {
          return InvalidArgument(
              "Idempotency-Key \"" + write.idempotency->key +
                  "\" was already used for a different request; use a new key for a new request",
              "Idempotency-Key");
        }
        out.replay = found->second;
        return out;
      }
    }
    Lease lease = write.lease;
    if (write.create) {
      STRAITS_ASSIGN_OR_RETURN(Statement next,
                               conn.Prepare("SELECT coalesce(max(seq), 0) + 1 FROM leases"));
      STRAITS_ASSIGN_OR_RETURN(bool row, next.Step());
      lease.seq = row ? next.Int(0) : 1;
      lease.id = lease::LeaseIdFromSeq(lease.seq);
      lease.version = 1;
      STRAITS_ASSIGN_OR_RETURN(
          Statement insert,
          conn.Prepare("INSERT INTO leases(id, tenant, state, version, spec, site, model, "
                       "start_at, end_at, placement, verdict, accepted_verdict, hold_until, "
                       "reason, license, reviewed_by, created_by, created_at, updated_at, "
                       "reservation, seq) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
      STRAITS_RETURN_IF_ERROR(BindLease(insert, lease));
      insert.Bind(21, lease.seq);
      STRAITS_RETURN_IF_ERROR(insert.Run());
    } else {
      STRAITS_ASSIGN_OR_RETURN(Statement current,
                               conn.Prepare("SELECT version FROM leases WHERE seq = ?"));
      current.Bind(1, lease.seq);
      STRAITS_ASSIGN_OR_RETURN(bool row, current.Step());
      if (!row) return NotFound("no lease \"" + lease.id.str() + "\"", "id");
      if (current.Int(0) != write.expected_version) {
        return Aborted("lease " + lease.id.str() + " changed concurrently (now version " +
                       std::to_string(current.Int(0)) + ", the change was made from version " +
                       std::to_string(write.expected_version) + "); read it again and retry");
      }
      lease.version = write.expected_version + 1;
      STRAITS_ASSIGN_OR_RETURN(
          Statement update,
          conn.Prepare("UPDATE leases SET id = ?, tenant = ?, state = ?, version = ?, spec = ?, "
                       "site = ?, model = ?, start_at = ?, end_at = ?, placement = ?, verdict = ?, "
                       "accepted_verdict = ?, hold_until = ?, reason = ?, license = ?, "
                       "reviewed_by = ?, created_by = ?, created_at = ?, updated_at = ?, "
                       "reservation = ? WHERE seq = ?"));
      STRAITS_RETURN_IF_ERROR(BindLease(update, lease));
      update.Bind(21, lease.seq);
      STRAITS_RETURN_IF_ERROR(update.Run());
    }
    STRAITS_ASSIGN_OR_RETURN(out.capacity_change, SyncAllocations(conn, lease));
    if (!write.decisions.empty()) {
      STRAITS_ASSIGN_OR_RETURN(
          Statement insert,
          conn.Prepare("INSERT INTO lease_decisions(lease_seq, at, stage, verdict, site, model, "
                       "date, body) VALUES(?,?,?,?,?,?,?,?)"));
      for (const DecisionRecord& d : write.decisions) {
        insert.Bind(1, lease.seq).Bind(2, d.at.unix_seconds()).Bind(3, d.stage);
        insert.Bind(4, policy::VerdictName(d.verdict));
        insert.BindOptional(5, d.site ? std::optional<std::string>(d.site->str()) : std::nullopt);
        insert.BindOptional(6, d.model ? std::optional<std::string>(d.model->str()) : std::nullopt);
        insert.Bind(7, d.date.unix_seconds()).Bind(8, d.body.empty() ? "{}" : d.body);
        STRAITS_RETURN_IF_ERROR(insert.Run());
        STRAITS_RETURN_IF_ERROR(insert.Reset());
      }
    }
    STRAITS_RETURN_IF_ERROR(Audit(conn, write.audit, lease.id.str()));
    if (write.idempotency) {
      STRAITS_ASSIGN_OR_RETURN(
          Statement key,
          conn.Prepare("INSERT INTO idempotency_keys(scope, key, fingerprint, lease_seq, status, "
                       "body, created_at) VALUES(?,?,?,?,?,?,?)"));
      key.Bind(1, write.idempotency->scope).Bind(2, write.idempotency->key);
      key.Bind(3, write.idempotency->fingerprint).Bind(4, lease.seq);
      key.Bind(5, int64_t{write.idempotency->status});
      key.Bind(6, write.render ? write.render(lease) : std::string("{}"));
      key.Bind(7, write.audit.at.unix_seconds());
      STRAITS_RETURN_IF_ERROR(key.Run());
    }
    out.lease = std::move(lease);
    return out;
  }

  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace

std::string AuditHash(const AuditEntry& entry) {
  std::string canonical;
  canonical.reserve(entry.prev_hash.size() + entry.detail.size() + 128);
  AppendField(canonical, entry.prev_hash);
  AppendField(canonical, std::to_string(entry.seq));
  AppendField(canonical, std::to_string(entry.at.unix_seconds()));
  AppendField(canonical, entry.actor);
  AppendField(canonical, entry.action);
  AppendField(canonical, entry.subject);
  AppendField(canonical, entry.detail);
  return auth::Sha256Hex(canonical);
}

Result<std::unique_ptr<LeaseStore>> OpenSqliteLeaseStore(const std::string& path,
                                                         const SqliteLeaseOptions& options) {
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool,
                           store::sqlite::OpenFamilyPool(path, "lease", kLeaseMigrations,
                                                         std::max(1, options.connections)));
  return std::unique_ptr<LeaseStore>(new SqliteLeaseStore(std::move(pool)));
}

}  // namespace straits::lease_store

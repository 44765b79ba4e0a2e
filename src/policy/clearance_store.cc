#include "policy/clearance_store.h"

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <string_view>

#include "lease_store/sqlite_lease_store.h"
#include "policy/compliance_schema.h"
#include "policy/json.h"
#include "policy/shipped.h"
#include "store/sqlite/family.h"

namespace straits::policy {
namespace {

using store::sqlite::ConnectionPool;
using store::sqlite::Statement;

class SqliteClearanceStore final : public ClearanceStore {
 public:
  SqliteClearanceStore(std::unique_ptr<ConnectionPool> pool,
                       std::unique_ptr<lease_store::LeaseStore> audit,
                       std::vector<ListEntry> entries)
      : pool_(std::move(pool)), audit_(std::move(audit)), entries_(std::move(entries)) {}

  Status Check(const Clearance& clearance) const override {
    STRAITS_RETURN_IF_ERROR(ValidateClearance(clearance));
    bool known_entry = false;
    for (const ListEntry& entry : entries_)
      known_entry = known_entry || entry.id == clearance.entry_id;
    if (!known_entry) {
      return NotFound("no list entry \"" + clearance.entry_id +
                          "\" (the ids are in `straits screen NAME --json`, entry.id)",
                      "entry_id");
    }
    return Status::Ok();
  }

  Result<StoredClearance> Add(const Clearance& clearance, const std::string& actor) override {
    STRAITS_RETURN_IF_ERROR(Check(clearance));
    StoredClearance stored{.id = 0, .clearance = clearance};
    {
      auto conn = pool_->Acquire();
      STRAITS_ASSIGN_OR_RETURN(
          Statement insert,
          conn->Prepare("INSERT INTO compliance_clearances(party_name, entry_id, reason, "
                        "cleared_by, cleared_at) VALUES(?,?,?,?,?)"));
      insert.Bind(1, clearance.party_name)
          .Bind(2, clearance.entry_id)
          .Bind(3, clearance.reason)
          .Bind(4, clearance.cleared_by)
          .Bind(5, clearance.cleared_at.unix_seconds());
      Status inserted = insert.Run();
      if (inserted.code() == StatusCode::kAlreadyExists) {
        return AlreadyExists(
            "\"" + clearance.party_name + "\" is already cleared for entry " + clearance.entry_id,
            "entry_id");
      }
      STRAITS_RETURN_IF_ERROR(inserted);
      stored.id = static_cast<int64_t>(sqlite3_last_insert_rowid(conn->handle()));
    }
    boost::json::object detail = ClearanceToJson(clearance);
    detail["id"] = stored.id;
    Status audited = audit_->AppendAudit({.at = clearance.cleared_at,
                                          .actor = actor,
                                          .action = "screening.clear",
                                          .detail = boost::json::serialize(detail)},
                                         clearance.entry_id);
    if (!audited.ok()) {
      // No clearance without its audit entry.
      auto conn = pool_->Acquire();
      Result<Statement> remove = conn->Prepare("DELETE FROM compliance_clearances WHERE id = ?");
      if (remove.ok()) (void)remove->Bind(1, stored.id).Run();
      return audited;
    }
    return stored;
  }

  Result<std::vector<StoredClearance>> List() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement select,
        conn->Prepare("SELECT id, party_name, entry_id, reason, cleared_by, cleared_at "
                      "FROM compliance_clearances ORDER BY id"));
    std::vector<StoredClearance> out;
    while (true) {
      STRAITS_ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      StoredClearance c;
      c.id = select.Int(0);
      c.clearance.party_name = select.Text(1);
      c.clearance.entry_id = select.Text(2);
      c.clearance.reason = select.Text(3);
      c.clearance.cleared_by = select.Text(4);
      c.clearance.cleared_at = Instant::FromUnixSeconds(select.Int(5));
      out.push_back(std::move(c));
    }
    return out;
  }

 private:
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<lease_store::LeaseStore> audit_;
  std::vector<ListEntry> entries_;
};

}  // namespace

Result<std::unique_ptr<ClearanceStore>> OpenClearanceStore(const std::string& db_path) {
  STRAITS_ASSIGN_OR_RETURN(
      std::unique_ptr<ConnectionPool> pool,
      store::sqlite::OpenFamilyPool(db_path, "compliance", ComplianceMigrations(), 2));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<lease_store::LeaseStore> audit,
                           lease_store::OpenSqliteLeaseStore(db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(std::vector<ListEntry> entries, LoadShippedListEntries());
  return std::unique_ptr<ClearanceStore>(
      new SqliteClearanceStore(std::move(pool), std::move(audit), std::move(entries)));
}

Result<ClearanceStore*> SharedClearanceStore(const std::string& db_path) {
  if (db_path.empty()) {
    return InvalidArgument("no database path: clearances are kept in the database file", "db_path");
  }
  // Leaked on purpose: handlers may still run while static destructors do.
  static auto* mu = new std::mutex;
  static auto* stores = new std::map<std::string, std::unique_ptr<ClearanceStore>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = stores->find(db_path);
  if (it != stores->end()) return it->second.get();
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<ClearanceStore> opened, OpenClearanceStore(db_path));
  ClearanceStore* raw = opened.get();
  stores->emplace(db_path, std::move(opened));
  return raw;
}

std::vector<Clearance> ClearancesOf(const std::vector<StoredClearance>& stored) {
  std::vector<Clearance> out;
  out.reserve(stored.size());
  for (const StoredClearance& s : stored) out.push_back(s.clearance);
  return out;
}

}  // namespace straits::policy

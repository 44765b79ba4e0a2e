#include "policy/pack_store.h"

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <mutex>

#include "catalog/shipped.h"
#include "lease_store/sqlite_lease_store.h"
#include "policy/compliance_schema.h"
#include "policy/shipped.h"
#include "store/sqlite/family.h"

namespace straits::policy {
namespace {

using store::sqlite::ConnectionPool;
using store::sqlite::Statement;
using store::sqlite::Transaction;

Result<std::vector<StoredPack>> ReadStoredPacks(ConnectionPool& pool) {
  auto conn = pool.Acquire();
  STRAITS_ASSIGN_OR_RETURN(
      Statement select,
      conn->Prepare("SELECT id, source_name, text, hash, imported_by, imported_at "
                    "FROM compliance_packs ORDER BY id"));
  std::vector<StoredPack> out;
  while (true) {
    STRAITS_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    out.push_back(StoredPack{.id = select.Text(0),
                             .source_name = select.Text(1),
                             .text = select.Text(2),
                             .hash = select.Text(3),
                             .imported_by = select.Text(4),
                             .imported_at = Instant::FromUnixSeconds(select.Int(5))});
  }
  return out;
}

std::vector<PackSource> SourcesOf(const std::vector<StoredPack>& stored) {
  std::vector<PackSource> out;
  out.reserve(stored.size());
  for (const StoredPack& p : stored) out.push_back({p.source_name, p.text});
  return out;
}

// Shipped packs followed by `stored`, checked together and compiled.
Result<Engine> EngineOf(std::vector<Pack> shipped, const std::vector<StoredPack>& stored) {
  Result<std::vector<Pack>> imported = LoadPacks(SourcesOf(stored), shipped);
  if (!imported.ok()) return imported.status();
  for (Pack& pack : *imported) {
    pack.imported = true;
    shipped.push_back(std::move(pack));
  }
  Result<catalog::Catalog> catalog = catalog::LoadShippedCatalog();
  if (!catalog.ok()) return catalog.status();
  return Engine::Create(std::move(shipped), *catalog);
}

Status WritePack(store::sqlite::Connection& conn, const StoredPack& p) {
  STRAITS_ASSIGN_OR_RETURN(
      Statement upsert,
      conn.Prepare("INSERT OR REPLACE INTO compliance_packs(id, source_name, text, hash, "
                   "imported_by, imported_at) VALUES(?,?,?,?,?,?)"));
  upsert.Bind(1, p.id)
      .Bind(2, p.source_name)
      .Bind(3, p.text)
      .Bind(4, p.hash)
      .Bind(5, p.imported_by)
      .Bind(6, p.imported_at.unix_seconds());
  return upsert.Run();
}

Status DeletePack(ConnectionPool& pool, const std::string& id) {
  auto conn = pool.Acquire();
  STRAITS_ASSIGN_OR_RETURN(Statement remove,
                           conn->Prepare("DELETE FROM compliance_packs WHERE id = ?"));
  remove.Bind(1, id);
  return remove.Run();
}

class SqlitePackStore final : public PackStore {
 public:
  SqlitePackStore(std::unique_ptr<ConnectionPool> pool,
                  std::unique_ptr<lease_store::LeaseStore> audit)
      : pool_(std::move(pool)), audit_(std::move(audit)) {}

  Result<std::vector<ImportedPack>> Import(std::span<const PackSource> files,
                                           const std::string& actor, Instant now) override {
    if (files.empty()) return InvalidArgument("no pack files given", "FILE");
    std::lock_guard<std::mutex> lock(mu_);
    STRAITS_ASSIGN_OR_RETURN(std::vector<Pack> shipped, LoadShippedPacks());
    STRAITS_ASSIGN_OR_RETURN(std::vector<StoredPack> stored, ReadStoredPacks(*pool_));
    // `thresholds` in a new file may name a shipped or an imported pack.
    STRAITS_ASSIGN_OR_RETURN(std::vector<Pack> known, LoadPacks(SourcesOf(stored), shipped));
    known.insert(known.begin(), shipped.begin(), shipped.end());
    STRAITS_ASSIGN_OR_RETURN(std::vector<Pack> parsed, LoadPacks(files, known));

    std::map<std::string, StoredPack> next;
    for (const StoredPack& p : stored) next[p.id] = p;
    std::vector<ImportedPack> result;
    std::vector<StoredPack> changed;
    for (size_t i = 0; i < parsed.size(); ++i) {
      const Pack& pack = parsed[i];
      for (const Pack& s : shipped) {
        if (s.id == pack.id) {
          return AlreadyExists("\"" + pack.id +
                                   "\" is a shipped pack; an imported pack needs an id of its "
                                   "own (shipped packs change with the binary)",
                               std::string(files[i].path) + ": id");
        }
      }
      ImportedPack out{.id = pack.id, .hash = pack.hash, .change = "added", .previous_hash = ""};
      auto it = next.find(pack.id);
      if (it != next.end()) {
        out.change = it->second.hash == pack.hash ? "unchanged" : "replaced";
        out.previous_hash = it->second.hash;
      }
      result.push_back(out);
      if (out.change == "unchanged") continue;
      StoredPack row{.id = pack.id,
                     .source_name = std::string(files[i].path),
                     .text = std::string(files[i].text),
                     .hash = pack.hash,
                     .imported_by = actor,
                     .imported_at = now};
      next[pack.id] = row;
      changed.push_back(std::move(row));
    }
    if (changed.empty()) return result;

    // The whole set must still load and compile together before anything is written.
    std::vector<StoredPack> all;
    for (auto& [id, p] : next) all.push_back(p);
    STRAITS_RETURN_IF_ERROR(EngineOf(shipped, all).status());

    {
      auto conn = pool_->Acquire();
      STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
      for (const StoredPack& p : changed) STRAITS_RETURN_IF_ERROR(WritePack(*conn, p));
      STRAITS_RETURN_IF_ERROR(tx->Commit());
    }
    for (const ImportedPack& r : result) {
      if (r.change == "unchanged") continue;
      boost::json::object detail{{"id", r.id},
                                 {"hash", r.hash},
                                 {"change", r.change},
                                 {"source_name", next[r.id].source_name}};
      if (!r.previous_hash.empty()) detail["previous_hash"] = r.previous_hash;
      Status audited = audit_->AppendAudit({.at = now,
                                            .actor = actor,
                                            .action = "policy.import",
                                            .detail = boost::json::serialize(detail)},
                                           r.id);
      if (!audited.ok()) {
        // No imported pack without its audit entry: put back what was there.
        RestoreBefore(stored, changed, r.id);
        return audited;
      }
    }
    return result;
  }

  Result<std::vector<StoredPack>> List() override { return ReadStoredPacks(*pool_); }

 private:
  // Undoes the writes of `changed` from `first_unaudited` on (earlier ones are
  // audited and stay).
  void RestoreBefore(const std::vector<StoredPack>& stored, const std::vector<StoredPack>& changed,
                     const std::string& first_unaudited) {
    bool undo = false;
    for (const StoredPack& p : changed) {
      undo = undo || p.id == first_unaudited;
      if (!undo) continue;
      const StoredPack* before = nullptr;
      for (const StoredPack& s : stored) {
        if (s.id == p.id) before = &s;
      }
      auto conn = pool_->Acquire();
      (void)(before ? WritePack(*conn, *before) : DeletePack(*pool_, p.id));
    }
  }

  std::mutex mu_;  // one import at a time
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<lease_store::LeaseStore> audit_;
};

}  // namespace

Result<std::unique_ptr<PackStore>> OpenPackStore(const std::string& db_path) {
  STRAITS_ASSIGN_OR_RETURN(
      std::unique_ptr<ConnectionPool> pool,
      store::sqlite::OpenFamilyPool(db_path, "compliance", ComplianceMigrations(), 1));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<lease_store::LeaseStore> audit,
                           lease_store::OpenSqliteLeaseStore(db_path, {.connections = 1}));
  return std::unique_ptr<PackStore>(new SqlitePackStore(std::move(pool), std::move(audit)));
}

Result<Engine> LoadEngine(const std::string& db_path) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<Pack> shipped, LoadShippedPacks());
  std::error_code ec;
  if (db_path.empty() || !std::filesystem::exists(db_path, ec)) {
    // No database (e.g. `straits policy list` before `straits init`): the
    // shipped packs are all there is.
    return EngineOf(std::move(shipped), {});
  }
  STRAITS_ASSIGN_OR_RETURN(
      std::unique_ptr<ConnectionPool> pool,
      store::sqlite::OpenFamilyPool(db_path, "compliance", ComplianceMigrations(), 1));
  STRAITS_ASSIGN_OR_RETURN(std::vector<StoredPack> stored, ReadStoredPacks(*pool));
  Result<Engine> engine = EngineOf(std::move(shipped), stored);
  if (!engine.ok()) {
    // Imported packs were checked on import; one that no longer loads (a
    // newer binary changed the language) is named so it can be re-imported.
    return FailedPrecondition(
        "an imported rule pack no longer loads: " + std::string(engine.status().field()) + ": " +
            engine.status().message(),
        "compliance_packs");
  }
  return engine;
}

}  // namespace straits::policy

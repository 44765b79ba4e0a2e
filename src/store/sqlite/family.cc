#include "store/sqlite/family.h"

#include <vector>

#include "store/sqlite/migrations.h"

namespace straits::store::sqlite {

Result<int> FamilyVersion(Connection& conn, std::string_view family) {
  STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                           conn.Prepare("SELECT version FROM schema_families WHERE family = ?"));
  stmt.Bind(1, family);
  STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

Status MigrateFamily(Connection& conn, std::string_view family,
                     std::span<const std::string_view> migrations) {
  const int newest = static_cast<int>(migrations.size());
  STRAITS_ASSIGN_OR_RETURN(int version, FamilyVersion(conn, family));
  if (version > newest) {
    return FailedPrecondition("database schema \"" + std::string(family) + "\" is at version " +
                              std::to_string(version) + ", newer than this straits supports (" +
                              std::to_string(newest) + "); upgrade straits before opening it");
  }
  for (int next = version + 1; next <= newest; ++next) {
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
    // Re-check under the write lock: another process may have migrated.
    STRAITS_ASSIGN_OR_RETURN(int current, FamilyVersion(conn, family));
    if (current >= next) continue;
    STRAITS_RETURN_IF_ERROR(conn.Exec(migrations[static_cast<size_t>(next - 1)]));
    STRAITS_ASSIGN_OR_RETURN(
        Statement set,
        conn.Prepare("INSERT INTO schema_families(family, version) VALUES(?, ?) "
                     "ON CONFLICT(family) DO UPDATE SET version = excluded.version"));
    set.Bind(1, family).Bind(2, int64_t{next});
    STRAITS_RETURN_IF_ERROR(set.Run());
    STRAITS_RETURN_IF_ERROR(tx->Commit());
  }
  return Status::Ok();
}

Result<std::unique_ptr<ConnectionPool>> OpenFamilyPool(const std::string& path,
                                                       std::string_view family,
                                                       std::span<const std::string_view> migrations,
                                                       int connections) {
  std::vector<std::unique_ptr<Connection>> conns;
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> first, Connection::Open(path, false));
  STRAITS_RETURN_IF_ERROR(Migrate(*first));  // the core schema, schema_families included
  STRAITS_RETURN_IF_ERROR(MigrateFamily(*first, family, migrations));
  conns.push_back(std::move(first));
  for (int i = 1; i < connections; ++i) {
    STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(path, false));
    conns.push_back(std::move(conn));
  }
  return std::make_unique<ConnectionPool>(std::move(conns));
}

}  // namespace straits::store::sqlite

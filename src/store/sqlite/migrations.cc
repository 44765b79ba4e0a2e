#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace straits::store::sqlite {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hq TEXT NOT NULL,
  billing_country TEXT,
  parent_id TEXT REFERENCES organizations(id) DEFERRABLE INITIALLY DEFERRED,
  is_operator INTEGER NOT NULL,
  is_tenant INTEGER NOT NULL
);
CREATE TABLE org_aliases (
  org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  alias TEXT NOT NULL,
  PRIMARY KEY (org_id, position)
);
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  city TEXT NOT NULL,
  operator_id TEXT NOT NULL REFERENCES organizations(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE pods (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE nodes (
  hostname TEXT PRIMARY KEY,
  pod_id TEXT NOT NULL REFERENCES pods(id) DEFERRABLE INITIALLY DEFERRED,
  model_id TEXT NOT NULL,
  gpus INTEGER NOT NULL CHECK (gpus > 0)
);
CREATE INDEX nodes_by_pod ON nodes(pod_id);
CREATE INDEX pods_by_site ON pods(site_id);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  org_id TEXT REFERENCES organizations(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
)sql";

// Other repositories (leases, billing, ...) version their own tables here; see
// store/sqlite/family.h.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE schema_families (
  family TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
)sql";

constexpr std::array<std::string_view, 2> kMigrations = {kV1, kV2};

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

Result<int> ReadSchemaVersion(Connection& conn) {
  STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare("PRAGMA user_version"));
  STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Internal("PRAGMA user_version returned no row");
  return static_cast<int>(stmt.Int(0));
}

Status Migrate(Connection& conn) {
  STRAITS_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(conn));
  const int newest = static_cast<int>(Migrations().size());
  if (version > newest) {
    return FailedPrecondition("database schema version " + std::to_string(version) +
                              " is newer than this straits supports (" + std::to_string(newest) +
                              "); upgrade straits before opening it");
  }
  for (int next = version + 1; next <= newest; ++next) {
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(conn));
    // Re-check inside the write lock: another process may have migrated.
    STRAITS_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(conn));
    if (current >= next) continue;
    STRAITS_RETURN_IF_ERROR(conn.Exec(Migrations()[static_cast<size_t>(next - 1)]));
    STRAITS_RETURN_IF_ERROR(conn.Exec("PRAGMA user_version = " + std::to_string(next)));
    STRAITS_RETURN_IF_ERROR(tx->Commit());
  }
  return Status::Ok();
}

}  // namespace straits::store::sqlite

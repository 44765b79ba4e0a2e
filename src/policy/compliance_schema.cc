#include "policy/compliance_schema.h"

namespace straits::policy {
namespace {

// Append only: a database records how many of these it has run.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE compliance_clearances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  party_name TEXT NOT NULL,
  entry_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  cleared_by TEXT NOT NULL,
  cleared_at INTEGER NOT NULL,
  UNIQUE (party_name, entry_id)
);
)sql",
    R"sql(
CREATE TABLE compliance_packs (
  id TEXT PRIMARY KEY,
  source_name TEXT NOT NULL,
  text TEXT NOT NULL,
  hash TEXT NOT NULL,
  imported_by TEXT NOT NULL,
  imported_at INTEGER NOT NULL
);
)sql"};

}  // namespace

std::span<const std::string_view> ComplianceMigrations() { return kMigrations; }

}  // namespace straits::policy

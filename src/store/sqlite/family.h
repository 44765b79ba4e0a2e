// Schema families: each repository beyond the core fleet schema (leases and
// audit, billing, ...) keeps its own numbered migrations, recorded per family
// in the `schema_families` table, so families can grow independently.
//
//   constexpr std::string_view kLeaseMigrations[] = {R"sql(CREATE TABLE leases (...);)sql"};
//   auto pool = OpenFamilyPool(path, "lease", kLeaseMigrations, 4);
//
// Rules as for the core schema: migrations are append-only; a database whose
// family version is newer than this binary's is refused (failed_precondition).
//
// Thread-safety: the returned pool is safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/sqlite/db.h"

namespace straits::store::sqlite {

// Brings `family` up to date on `conn`, each step in its own transaction.
Status MigrateFamily(Connection& conn, std::string_view family,
                     std::span<const std::string_view> migrations);

// Opens `connections` connections to the existing database at `path` (the core
// schema must already exist: not_found otherwise) and migrates `family`.
Result<std::unique_ptr<ConnectionPool>> OpenFamilyPool(const std::string& path,
                                                       std::string_view family,
                                                       std::span<const std::string_view> migrations,
                                                       int connections);

// The version `family` is at (0 when it has never been migrated).
Result<int> FamilyVersion(Connection& conn, std::string_view family);

}  // namespace straits::store::sqlite

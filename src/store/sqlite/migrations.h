// Numbered schema migrations for the SQLite store. Migration i (1-based) moves
// the schema from version i-1 to i; the version lives in PRAGMA user_version.
// Append only: a released migration is never edited.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"
#include "store/sqlite/db.h"

namespace straits::store::sqlite {

std::span<const std::string_view> Migrations();

// Brings `conn`'s database up to the newest version, each step in its own
// transaction. failed_precondition if the database is newer than this binary.
Status Migrate(Connection& conn);

Result<int> ReadSchemaVersion(Connection& conn);

}  // namespace straits::store::sqlite

// The SQLite implementation of LeaseStore, in the same database file as the
// fleet (it reads node GPU counts from the core `nodes` table). Its tables are
// the "lease" schema family (store/sqlite/family.h), migrated on open.
//
//   auto leases = OpenSqliteLeaseStore("./var/straits.db", {.connections = 4});
//
// Writers take the database write lock with BEGIN IMMEDIATE, so the capacity
// check and the insert that follows it cannot interleave with another
// process's. Durability: WAL with synchronous=FULL (store/sqlite/db.h).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <string>

#include "lease_store/lease_store.h"

namespace straits::lease_store {

struct SqliteLeaseOptions {
  int connections = 4;
};

// not_found when no database exists at `path` (run `straits init`);
// failed_precondition when its lease schema is newer than this binary.
Result<std::unique_ptr<LeaseStore>> OpenSqliteLeaseStore(const std::string& path,
                                                         const SqliteLeaseOptions& options = {});

}  // namespace straits::lease_store

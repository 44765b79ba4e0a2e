// The embedded SQLite implementation of store::Store.
//
//   auto store = OpenSqliteStore("./var/straits.db", {.create = true});
//
// One database file, WAL journal, foreign keys on, synchronous=FULL. A small
// pool of connections serves concurrent callers; writers take the database
// write lock with BEGIN IMMEDIATE, so every multi-row change is one atomic
// transaction. Schema migrations run on open.
//
// Thread-safety: the returned Store is safe for concurrent use.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace straits::store {

struct SqliteOptions {
  bool create = false;  // create the file if missing (otherwise not_found)
  int connections = 4;  // pool size
};

// not_found if the file is missing and !create; failed_precondition if its
// schema is newer than this binary; unavailable if it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options);

}  // namespace straits::store

// The SQLite implementation of BillingStore, in the same database file as the
// fleet. Its tables are the "billing" schema family (store/sqlite/family.h),
// migrated on open; the core schema is never touched.
//
//   STRAITS_ASSIGN_OR_RETURN(auto billing, OpenSqliteBillingStore("./var/straits.db"));
//
// Writers take the database write lock with BEGIN IMMEDIATE, so the checks of
// an import (overlaps, conflicts with stored rows) and its inserts cannot
// interleave with another process's. Issued documents are protected by
// triggers that abort any UPDATE or DELETE of them.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "billing_store/billing_store.h"

namespace straits::billing_store {

struct SqliteBillingOptions {
  int connections = 2;
};

// not_found when no database exists at `path` (run `straits init`);
// failed_precondition when its billing schema is newer than this binary.
Result<std::unique_ptr<BillingStore>> OpenSqliteBillingStore(
    const std::string& path, const SqliteBillingOptions& options = {});

// The billing family's migration steps, oldest first (append-only), so tests
// can build a database as an older binary left it from a prefix of them.
std::span<const std::string_view> BillingMigrations();

}  // namespace straits::billing_store

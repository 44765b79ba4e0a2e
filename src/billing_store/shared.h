// One BillingStore per database file for the lifetime of the process, so that
// the HTTP handlers reach the billing repository without reopening (and
// re-migrating) the database on every request.
//
//   STRAITS_ASSIGN_OR_RETURN(BillingStore* billing, SharedBillingStore(services.db_path));
//
// Thread-safety: safe to call from any thread; the returned store is
// thread-safe and lives until the process exits.
#pragma once

#include <string>

#include "billing_store/billing_store.h"

namespace straits::billing_store {

// Opens the SQLite billing store at `path` on first use and returns the same
// one afterwards. An error (not_found for a missing database, failed_precondition
// for a newer schema) is not cached: the next call tries again.
// invalid_argument when `path` is empty.
Result<BillingStore*> SharedBillingStore(const std::string& path);

}  // namespace straits::billing_store

// ClearanceStore: the screening clearances a compliance officer records (a
// false positive cleared for one party name and one list entry, with a
// reason), kept in the fleet's database as the "compliance" schema family
// (store/sqlite/family.h) and written to the lease store's hash-chained audit
// trail, so every clearance is accounted for next to lease decisions.
//
//   STRAITS_ASSIGN_OR_RETURN(ClearanceStore* clearances, SharedClearanceStore(db_path));
//   STRAITS_ASSIGN_OR_RETURN(StoredClearance saved, clearances->Add(clearance, "cli:alice"));
//   STRAITS_ASSIGN_OR_RETURN(std::vector<StoredClearance> all, clearances->List());
//
// Add validates (ValidateClearance: invalid_argument naming the field), checks
// that the entry id exists in the shipped lists (not_found, field "entry_id"),
// inserts the row, then appends the audit entry ("screening.clear", subject
// the entry id); when the audit cannot be written the row is removed again
// and the error returned, so no clearance exists without its audit entry.
// Clearing the same party name and entry twice is already_exists.
//
// Errors: not_found (no database at the path: run `straits init`),
// failed_precondition (schema newer than this binary), unavailable (busy).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "policy/screening.h"

namespace straits::policy {

struct StoredClearance {
  int64_t id = 0;
  Clearance clearance;
};

class ClearanceStore {
 public:
  virtual ~ClearanceStore() = default;
  // `actor` is recorded in the audit trail ("token:tok_1 (ops)", "cli:alice").
  // What Add would refuse, without writing: invalid_argument naming an empty
  // field, not_found (field "entry_id") for an entry not in the lists.
  virtual Status Check(const Clearance& clearance) const = 0;
  virtual Result<StoredClearance> Add(const Clearance& clearance, const std::string& actor) = 0;
  // Every clearance, oldest first.
  virtual Result<std::vector<StoredClearance>> List() = 0;
};

Result<std::unique_ptr<ClearanceStore>> OpenClearanceStore(const std::string& db_path);

// One ClearanceStore per database file for the life of the process (errors
// are not cached). invalid_argument (field "db_path") for an empty path.
Result<ClearanceStore*> SharedClearanceStore(const std::string& db_path);

// The clearances of `stored`, for LoadShippedScreener.
std::vector<Clearance> ClearancesOf(const std::vector<StoredClearance>& stored);

}  // namespace straits::policy

// PackStore: an operator's own rule packs, imported into the fleet's database
// next to the shipped ones (the "compliance" schema family,
// store/sqlite/family.h). Shipped packs are reference data compiled into the
// binary; an operator adds rules of its own (status `operator_policy`, or a
// regulation the binary does not ship yet) with `straits policy import`, and
// every command and `straits serve` then decide with shipped + imported packs.
//
//   STRAITS_ASSIGN_OR_RETURN(auto packs, OpenPackStore(db_path));
//   STRAITS_ASSIGN_OR_RETURN(ImportResult r, packs->Import({{path, text}}, "cli:alice", now));
//   STRAITS_ASSIGN_OR_RETURN(Engine engine, LoadEngine(db_path));  // shipped + imported
//
// Import checks every file as `straits policy validate` does (FILE:LINE:COL
// errors; `thresholds` may name a shipped pack) and stores all or none of them.
// A pack is keyed by its id: importing a file with a new id adds it, with the
// id of an imported pack replaces that pack (a new version; the previous hash
// is in the audit entry), with the same bytes changes nothing, and with the id
// of a shipped pack is refused (already_exists: shipped packs are replaced by
// upgrading the binary). Every change appends a "policy.import" entry to the
// hash-chained audit trail, in the same way as clearances.
//
// A running `straits serve` keeps the packs it started with: restart it after
// an import.
//
// Errors: not_found (no database at the path: run `straits init`),
// failed_precondition (schema newer than this binary), unavailable (busy).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "policy/engine.h"
#include "policy/pack.h"

namespace straits::policy {

struct StoredPack {
  std::string id;
  std::string source_name;  // the file it was imported from
  std::string text;         // the file's bytes
  std::string hash;         // "sha256:<hex>" of text
  std::string imported_by;
  Instant imported_at;
};

struct ImportedPack {
  std::string id;
  std::string hash;
  // "added", "replaced" or "unchanged".
  std::string change;
  std::string previous_hash;  // for "replaced"
};

class PackStore {
 public:
  virtual ~PackStore() = default;
  // See the file comment. `actor` is recorded in the audit trail.
  virtual Result<std::vector<ImportedPack>> Import(std::span<const PackSource> files,
                                                   const std::string& actor, Instant now) = 0;
  // Every imported pack, by id.
  virtual Result<std::vector<StoredPack>> List() = 0;
};

Result<std::unique_ptr<PackStore>> OpenPackStore(const std::string& db_path);

// The shipped packs followed by the packs imported into the database at
// `db_path`, compiled into one engine.
Result<Engine> LoadEngine(const std::string& db_path);

}  // namespace straits::policy

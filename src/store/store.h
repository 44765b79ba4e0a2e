// Store: the repository interface every service persists through.
//
// Straits ships an embedded SQLite implementation (store/sqlite/) and is built
// so that a PostgreSQL one can implement the same interface; no database type
// appears here. Every method that changes more than one row does so in one
// transaction: it either commits entirely or leaves nothing behind.
//
// Error codes: not_found (no such id), already_exists (id taken),
// invalid_argument (a reference to something that does not exist),
// unavailable (the database cannot be reached or is locked past the timeout),
// failed_precondition (schema newer than this binary), internal (anything else).
//
// Thread-safety: implementations are safe for concurrent use from many threads.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "fleet/fleet.h"
#include "fleet/validate.h"

namespace straits::store {

// Keyset pagination: items are ordered by id; `cursor` is the opaque value
// returned as `next_cursor` by the previous page (empty for the first page).
struct PageRequest {
  int limit = 100;
  std::string cursor;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // empty when this is the last page
};

// A site with what it holds, for detail views.
struct SiteDetail {
  fleet::Site site;
  int pods = 0;
  int nodes = 0;
  std::map<ModelId, int> gpus_by_model;
};

// An API token. Only the SHA-256 hash of the secret is stored.
struct TokenRecord {
  std::string id;            // public identifier, e.g. "tok_3f9a..."
  std::string secret_hash;   // hex SHA-256 of the secret
  std::string name;          // who or what it is for
  std::string role;          // "admin" until roles arrive
  std::optional<OrgId> org;  // tenant scope, if any
  Instant created_at;
  std::optional<Instant> expires_at;
  std::optional<Instant> revoked_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // The schema version this database is at.
  virtual int SchemaVersion() = 0;

  // Fleet. ImportFleet upserts organizations, sites, pods and nodes (by id /
  // hostname) in one transaction; the caller validates with fleet::ValidateFleet
  // against LoadExistingFleet() first.
  virtual Status ImportFleet(const fleet::Fleet& fleet) = 0;
  virtual Result<fleet::ExistingFleet> LoadExistingFleet() = 0;

  virtual Result<Page<fleet::Organization>> ListOrgs(const PageRequest& page) = 0;
  virtual Result<fleet::Organization> GetOrg(const OrgId& id) = 0;

  virtual Result<Page<fleet::Site>> ListSites(const PageRequest& page) = 0;
  virtual Result<SiteDetail> GetSite(const SiteId& id) = 0;
  // already_exists if the id is taken; invalid_argument (field "operator") if
  // the operator is not a stored organization of kind operator.
  virtual Status CreateSite(const fleet::Site& site) = 0;

  // Nodes, optionally of one site, ordered by hostname.
  virtual Result<Page<fleet::Node>> ListNodes(const std::optional<SiteId>& site,
                                              const PageRequest& page) = 0;

  // Tokens.
  virtual Status CreateToken(const TokenRecord& token) = 0;
  virtual Result<TokenRecord> FindTokenBySecretHash(const std::string& secret_hash) = 0;
};

}  // namespace straits::store

// Accounts: users with a role, their API tokens, browser sessions and pending
// dual-control approvals, kept in the "accounts" schema family next to the
// core store's api_tokens table (store/sqlite/family.h).
//
//   auto accounts = SharedAccountStore("./var/straits.db");
//   (*accounts)->AddUser(user);
//
// A user's token is a row of api_tokens (role and organization copied from the
// user) plus an owner row here, created in one transaction; disabling a user
// revokes its tokens and ends its sessions in one transaction. Session secrets
// are stored as SHA-256 hashes, like token secrets; passwords as Argon2id
// hashes (auth/password.h).
//
// Errors: not_found (no such user, token, session), already_exists (user name
// taken, approval already pending), invalid_argument (a reference to an
// organization that does not exist), unavailable (database busy).
//
// Thread-safety: an AccountStore is safe for concurrent use.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/roles.h"
#include "core/ids.h"
#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace straits::auth {

struct User {
  std::string name;
  Role role = Role::kAdmin;
  std::optional<OrgId> org;   // tenants only
  std::vector<OrgId> grants;  // subsidiaries a tenant may also see
  std::string password_hash;  // empty: no browser login
  Instant created_at;
  std::optional<Instant> disabled_at;
};

struct TokenInfo {
  store::TokenRecord token;  // secret_hash left empty
  std::string user;          // empty for tokens of no user (straits init)
};

struct Session {
  std::string secret_hash;  // SHA-256 of the cookie value
  std::string id;           // public id, for the audit trail: "ses_..."
  std::string user;
  std::string csrf_token;
  Instant created_at;
  Instant expires_at;
  std::optional<Instant> ended_at;
};

// A first approval waiting for a second, different approver.
struct PendingApproval {
  std::string subject;  // "lease:lease-000042"
  std::string user;
  std::string reason;
  std::string license;
  Instant at;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual Status AddUser(const User& user) = 0;
  virtual Result<User> GetUser(const std::string& name) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  // Revokes the user's tokens and ends its sessions too.
  virtual Status DisableUser(const std::string& name, Instant now) = 0;

  // Stores `token` (api_tokens) owned by `user`.
  virtual Status CreateUserToken(const store::TokenRecord& token, const std::string& user) = 0;
  // The owner of a token, or nullopt for tokens of no user.
  virtual Result<std::optional<std::string>> TokenOwner(const std::string& token_id) = 0;
  virtual Result<std::vector<TokenInfo>> ListTokens() = 0;
  // not_found for an unknown id; revoking twice keeps the first time.
  virtual Status RevokeToken(const std::string& token_id, Instant now) = 0;

  virtual Status CreateSession(const Session& session) = 0;
  virtual Result<Session> FindSession(const std::string& secret_hash) = 0;
  virtual Status EndSession(const std::string& secret_hash, Instant now) = 0;

  virtual Result<std::optional<PendingApproval>> FindPendingApproval(
      const std::string& subject) = 0;
  // already_exists when one is pending for the subject.
  virtual Status AddPendingApproval(const PendingApproval& approval) = 0;
  // Removes the pending approval and logs how it ended ("confirmed by bob").
  virtual Status ResolvePendingApproval(const std::string& subject, const std::string& outcome,
                                        Instant now) = 0;
};

// Opens (and migrates) the accounts family on the database at `path`.
Result<std::unique_ptr<AccountStore>> OpenAccountStore(const std::string& path);

// One AccountStore per database path for the life of the process (route
// handlers and authentication share it); invalid_argument for an empty path.
Result<AccountStore*> SharedAccountStore(const std::string& path);

}  // namespace straits::auth

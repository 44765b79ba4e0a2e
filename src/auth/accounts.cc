#include "auth/accounts.h"

#include <map>
#include <mutex>
#include <string_view>

#include "store/sqlite/db.h"
#include "store/sqlite/family.h"

namespace straits::auth {
namespace {

using store::sqlite::ConnectionPool;
using store::sqlite::Statement;
using store::sqlite::Transaction;

// Append-only, as every migration (store/sqlite/family.h).
constexpr std::string_view kAccountMigrations[] = {R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  org_id TEXT REFERENCES organizations(id),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
);
CREATE TABLE user_grants (
  user_name TEXT NOT NULL REFERENCES users(name),
  org_id TEXT NOT NULL REFERENCES organizations(id),
  PRIMARY KEY (user_name, org_id)
);
CREATE TABLE user_tokens (
  token_id TEXT PRIMARY KEY REFERENCES api_tokens(id),
  user_name TEXT NOT NULL REFERENCES users(name)
);
CREATE INDEX user_tokens_by_user ON user_tokens(user_name);
CREATE TABLE sessions (
  secret_hash TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  user_name TEXT NOT NULL REFERENCES users(name),
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE TABLE pending_approvals (
  subject TEXT PRIMARY KEY,
  user_name TEXT NOT NULL,
  reason TEXT NOT NULL,
  license TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE approval_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  user_name TEXT NOT NULL,
  reason TEXT NOT NULL,
  license TEXT NOT NULL,
  at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  resolved_at INTEGER
);
)sql"};

std::optional<std::string> OptionalId(const std::optional<OrgId>& id) {
  if (!id) return std::nullopt;
  return id->str();
}

std::optional<int64_t> OptionalSeconds(const std::optional<Instant>& t) {
  if (!t) return std::nullopt;
  return t->unix_seconds();
}

Result<OrgId> StoredOrg(const std::string& text) {
  Result<OrgId> id = OrgId::Parse(text);
  if (!id.ok()) return Internal("stored organization id \"" + text + "\" is malformed");
  return id;
}

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  Status AddUser(const User& user) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("INSERT INTO users(name, role, org_id, password_hash, created_at, "
                        "disabled_at) VALUES (?, ?, ?, ?, ?, NULL)"));
      stmt.Bind(1, user.name).Bind(2, RoleName(user.role)).BindOptional(3, OptionalId(user.org));
      stmt.Bind(4, user.password_hash).Bind(5, user.created_at.unix_seconds());
      Status s = stmt.Run();
      if (s.code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("a user named \"" + user.name + "\" exists", "name");
      }
      if (s.code() == StatusCode::kInvalidArgument) {
        return InvalidArgument("no organization \"" + OptionalId(user.org).value_or("") + "\"",
                               "org");
      }
      STRAITS_RETURN_IF_ERROR(s);
    }
    for (const OrgId& grant : user.grants) {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("INSERT OR IGNORE INTO user_grants(user_name, org_id) VALUES (?, ?)"));
      stmt.Bind(1, user.name).Bind(2, grant.str());
      Status s = stmt.Run();
      if (s.code() == StatusCode::kInvalidArgument) {
        return InvalidArgument("no organization \"" + grant.str() + "\"", "grant");
      }
      STRAITS_RETURN_IF_ERROR(s);
    }
    return tx->Commit();
  }

  Result<User> GetUser(const std::string& name) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(std::vector<User> users, LoadUsers(*conn, name));
    if (users.empty()) return NotFound("no user \"" + name + "\"", "user");
    return users.front();
  }

  Result<std::vector<User>> ListUsers() override {
    auto conn = pool_->Acquire();
    return LoadUsers(*conn, std::nullopt);
  }

  Status DisableUser(const std::string& name, Instant now) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    const int64_t t = now.unix_seconds();
    {
      STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                               conn->Prepare("UPDATE users SET disabled_at = coalesce(disabled_at, "
                                             "?) WHERE name = ? RETURNING name"));
      stmt.Bind(1, t).Bind(2, name);
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return NotFound("no user \"" + name + "\"", "user");
    }
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("UPDATE api_tokens SET revoked_at = ? WHERE revoked_at IS NULL AND id IN "
                        "(SELECT token_id FROM user_tokens WHERE user_name = ?)"));
      stmt.Bind(1, t).Bind(2, name);
      STRAITS_RETURN_IF_ERROR(stmt.Run());
    }
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare(
              "UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL AND user_name = ?"));
      stmt.Bind(1, t).Bind(2, name);
      STRAITS_RETURN_IF_ERROR(stmt.Run());
    }
    return tx->Commit();
  }

  Status CreateUserToken(const store::TokenRecord& token, const std::string& user) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("INSERT INTO api_tokens(id, secret_hash, name, role, org_id, created_at, "
                        "expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)"));
      stmt.Bind(1, token.id).Bind(2, token.secret_hash).Bind(3, token.name).Bind(4, token.role);
      stmt.BindOptional(5, OptionalId(token.org)).Bind(6, token.created_at.unix_seconds());
      stmt.BindOptional(7, OptionalSeconds(token.expires_at));
      STRAITS_RETURN_IF_ERROR(stmt.Run());
    }
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("INSERT INTO user_tokens(token_id, user_name) VALUES (?, ?)"));
      stmt.Bind(1, token.id).Bind(2, user);
      Status s = stmt.Run();
      if (s.code() == StatusCode::kInvalidArgument) {
        return NotFound("no user \"" + user + "\"", "user");
      }
      STRAITS_RETURN_IF_ERROR(s);
    }
    return tx->Commit();
  }

  Result<std::optional<std::string>> TokenOwner(const std::string& token_id) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare("SELECT user_name FROM user_tokens WHERE token_id = ?"));
    stmt.Bind(1, token_id);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(stmt.Text(0));
  }

  Result<std::vector<TokenInfo>> ListTokens() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT t.id, t.name, t.role, t.org_id, t.created_at, t.expires_at, "
                      "t.revoked_at, coalesce(u.user_name, '') FROM api_tokens t LEFT JOIN "
                      "user_tokens u ON u.token_id = t.id ORDER BY t.created_at, t.id"));
    std::vector<TokenInfo> out;
    while (true) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      TokenInfo info;
      info.token.id = stmt.Text(0);
      info.token.name = stmt.Text(1);
      info.token.role = stmt.Text(2);
      if (auto org = stmt.OptionalText(3)) {
        STRAITS_ASSIGN_OR_RETURN(OrgId id, StoredOrg(*org));
        info.token.org = id;
      }
      info.token.created_at = Instant::FromUnixSeconds(stmt.Int(4));
      if (auto e = stmt.OptionalInt(5)) info.token.expires_at = Instant::FromUnixSeconds(*e);
      if (auto r = stmt.OptionalInt(6)) info.token.revoked_at = Instant::FromUnixSeconds(*r);
      info.user = stmt.Text(7);
      out.push_back(std::move(info));
    }
    return out;
  }

  Status RevokeToken(const std::string& token_id, Instant now) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? "
                      "RETURNING id"));
    stmt.Bind(1, now.unix_seconds()).Bind(2, token_id);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no token \"" + token_id + "\"", "id");
    return Status::Ok();
  }

  Status CreateSession(const Session& session) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("INSERT INTO sessions(secret_hash, id, user_name, csrf_token, created_at, "
                      "expires_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, NULL)"));
    stmt.Bind(1, session.secret_hash).Bind(2, session.id).Bind(3, session.user);
    stmt.Bind(4, session.csrf_token).Bind(5, session.created_at.unix_seconds());
    stmt.Bind(6, session.expires_at.unix_seconds());
    return stmt.Run();
  }

  Result<Session> FindSession(const std::string& secret_hash) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT id, user_name, csrf_token, created_at, expires_at, ended_at FROM "
                      "sessions WHERE secret_hash = ?"));
    stmt.Bind(1, secret_hash);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no such session");
    Session s;
    s.secret_hash = secret_hash;
    s.id = stmt.Text(0);
    s.user = stmt.Text(1);
    s.csrf_token = stmt.Text(2);
    s.created_at = Instant::FromUnixSeconds(stmt.Int(3));
    s.expires_at = Instant::FromUnixSeconds(stmt.Int(4));
    if (auto e = stmt.OptionalInt(5)) s.ended_at = Instant::FromUnixSeconds(*e);
    return s;
  }

  Status EndSession(const std::string& secret_hash, Instant now) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare(
            "UPDATE sessions SET ended_at = coalesce(ended_at, ?) WHERE secret_hash = ?"));
    stmt.Bind(1, now.unix_seconds()).Bind(2, secret_hash);
    return stmt.Run();
  }

  Result<std::optional<PendingApproval>> FindPendingApproval(const std::string& subject) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare(
            "SELECT user_name, reason, license, at FROM pending_approvals WHERE subject = ?"));
    stmt.Bind(1, subject);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<PendingApproval>();
    return std::optional<PendingApproval>(PendingApproval{
        subject, stmt.Text(0), stmt.Text(1), stmt.Text(2), Instant::FromUnixSeconds(stmt.Int(3))});
  }

  Status AddPendingApproval(const PendingApproval& a) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    for (const char* sql :
         {"INSERT INTO pending_approvals(subject, user_name, reason, license, at) VALUES (?, ?, "
          "?, ?, ?)",
          "INSERT INTO approval_log(subject, user_name, reason, license, at, outcome) VALUES (?, "
          "?, ?, ?, ?, 'pending')"}) {
      STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(sql));
      stmt.Bind(1, a.subject).Bind(2, a.user).Bind(3, a.reason).Bind(4, a.license);
      stmt.Bind(5, a.at.unix_seconds());
      Status s = stmt.Run();
      if (s.code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("an approval of " + a.subject + " is already pending", "id");
      }
      STRAITS_RETURN_IF_ERROR(s);
    }
    return tx->Commit();
  }

  Status ResolvePendingApproval(const std::string& subject, const std::string& outcome,
                                Instant now) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    {
      STRAITS_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("UPDATE approval_log SET outcome = ?, resolved_at = ? WHERE subject = ? "
                        "AND outcome = 'pending'"));
      stmt.Bind(1, outcome).Bind(2, now.unix_seconds()).Bind(3, subject);
      STRAITS_RETURN_IF_ERROR(stmt.Run());
    }
    {
      STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                               conn->Prepare("DELETE FROM pending_approvals WHERE subject = ?"));
      stmt.Bind(1, subject);
      STRAITS_RETURN_IF_ERROR(stmt.Run());
    }
    return tx->Commit();
  }

 private:
  // Every user, or the one named `only`, ordered by name, with grants.
  static Result<std::vector<User>> LoadUsers(store::sqlite::Connection& conn,
                                             const std::optional<std::string>& only) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT name, role, org_id, password_hash, created_at, disabled_at FROM "
                     "users WHERE ?1 IS NULL OR name = ?1 ORDER BY name"));
    stmt.BindOptional(1, only);
    std::vector<User> users;
    while (true) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      User user;
      user.name = stmt.Text(0);
      std::optional<Role> role = ParseRole(stmt.Text(1));
      if (!role) return Internal("user \"" + user.name + "\" has the unknown role " + stmt.Text(1));
      user.role = *role;
      if (auto org = stmt.OptionalText(2)) {
        STRAITS_ASSIGN_OR_RETURN(OrgId id, StoredOrg(*org));
        user.org = id;
      }
      user.password_hash = stmt.Text(3);
      user.created_at = Instant::FromUnixSeconds(stmt.Int(4));
      if (auto d = stmt.OptionalInt(5)) user.disabled_at = Instant::FromUnixSeconds(*d);
      users.push_back(std::move(user));
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement grants,
        conn.Prepare("SELECT user_name, org_id FROM user_grants WHERE ?1 IS NULL OR user_name = ?1 "
                     "ORDER BY user_name, org_id"));
    grants.BindOptional(1, only);
    while (true) {
      STRAITS_ASSIGN_OR_RETURN(bool row, grants.Step());
      if (!row) break;
      const std::string name = grants.Text(0);
      STRAITS_ASSIGN_OR_RETURN(OrgId org, StoredOrg(grants.Text(1)));
      for (User& user : users) {
        if (user.name == name) user.grants.push_back(org);
      }
    }
    return users;
  }

  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace

Result<std::unique_ptr<AccountStore>> OpenAccountStore(const std::string& path) {
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool,
                           store::sqlite::OpenFamilyPool(path, "accounts", kAccountMigrations, 4));
  return std::unique_ptr<AccountStore>(new SqliteAccountStore(std::move(pool)));
}

Result<AccountStore*> SharedAccountStore(const std::string& path) {
  if (path.empty()) {
    return Unavailable("accounts are not available: the server was started without a database");
  }
  // Leaked on purpose: handlers may still run while static destructors do.
  static auto* mu = new std::mutex;
  static auto* stores = new std::map<std::string, std::unique_ptr<AccountStore>>;
  std::lock_guard<std::mutex> lock(*mu);
  auto it = stores->find(path);
  if (it != stores->end()) return it->second.get();
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<AccountStore> opened, OpenAccountStore(path));
  AccountStore* raw = opened.get();
  stores->emplace(path, std::move(opened));
  return raw;
}

}  // namespace straits::auth

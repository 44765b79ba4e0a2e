#include "auth/sessions.h"

#include "auth/password.h"

namespace straits::auth {
namespace {

std::string RandomHex(RandomSource& random, size_t bytes, Status& status) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string raw(bytes, '\0');
  status = random.Fill(reinterpret_cast<unsigned char*>(raw.data()), bytes);
  std::string out;
  for (char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = Trim(header.substr(0, end));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == name) {
      return std::string(Trim(pair.substr(eq + 1)));
    }
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return "";
}

Identity IdentityOfUser(const User& user, const std::string& credential_id) {
  Identity identity;
  identity.token_id = credential_id;
  identity.name = user.name;
  identity.role = user.role;
  if (user.role == Role::kTenant) {
    identity.org = user.org;
    identity.granted_orgs = user.grants;
  }
  return identity;
}

Result<User> CheckPassword(AccountStore& accounts, const std::string& name,
                           std::string_view password) {
  const Status wrong = Unauthenticated("unknown user or wrong password");
  Result<User> user = accounts.GetUser(name);
  if (!user.ok()) {
    if (user.status().code() == StatusCode::kNotFound) return wrong;
    return user.status();
  }
  if (user->disabled_at || user->password_hash.empty()) return wrong;
  if (!VerifyPassword(user->password_hash, password)) return wrong;
  return user;
}

Result<NewSession> StartSession(AccountStore& accounts, RandomSource& random,
                                const std::string& user, Instant now) {
  Status status;
  NewSession session;
  session.secret = "ss_" + RandomHex(random, 24, status);
  STRAITS_RETURN_IF_ERROR(status);
  session.record.id = "ses_" + RandomHex(random, 6, status);
  STRAITS_RETURN_IF_ERROR(status);
  session.record.csrf_token = RandomHex(random, 16, status);
  STRAITS_RETURN_IF_ERROR(status);
  session.record.secret_hash = Sha256Hex(session.secret);
  session.record.user = user;
  session.record.created_at = now;
  session.record.expires_at = now + kSessionLifetime;
  STRAITS_RETURN_IF_ERROR(accounts.CreateSession(session.record));
  return session;
}

Result<Identity> AuthenticateSession(AccountStore& accounts, std::string_view secret, Instant now) {
  Result<Session> session = accounts.FindSession(Sha256Hex(secret));
  if (!session.ok()) {
    if (session.status().code() == StatusCode::kNotFound) {
      return Unauthenticated("unknown session; log in again");
    }
    return session.status();
  }
  if (session->ended_at) return Unauthenticated("session ended; log in again");
  if (session->expires_at <= now) return Unauthenticated("session expired; log in again");
  Result<User> user = accounts.GetUser(session->user);
  if (!user.ok()) return Unauthenticated("session of an unknown user; log in again");
  if (user->disabled_at) return Unauthenticated("user " + user->name + " is disabled");
  Identity identity = IdentityOfUser(*user, session->id);
  identity.by_session = true;
  identity.csrf_token = session->csrf_token;
  return identity;
}

Status ApplyTokenOwner(AccountStore& accounts, Identity& identity) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> owner,
                           accounts.TokenOwner(identity.token_id));
  if (!owner) return Status::Ok();
  Result<User> user = accounts.GetUser(*owner);
  if (!user.ok()) return Unauthenticated("token " + identity.token_id + " has no user");
  if (user->disabled_at) return Unauthenticated("user " + user->name + " is disabled");
  identity = IdentityOfUser(*user, identity.token_id);
  return Status::Ok();
}

}  // namespace straits::auth

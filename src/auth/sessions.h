// Browser sessions and the identity of a user.
//
// A login (user + password, checked against the Argon2id hash) starts a
// session: the browser gets a random secret in an HttpOnly, SameSite=Strict
// cookie; the store keeps only its SHA-256, the user and a CSRF token that
// state-changing requests must echo in the X-CSRF-Token header. Requests with
// a bearer token carry no cookie and need no CSRF token.
//
// Thread-safety: functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/accounts.h"
#include "auth/identity.h"
#include "auth/tokens.h"

namespace straits::auth {

inline constexpr std::string_view kSessionCookie = "straits_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
inline constexpr Duration kSessionLifetime = Duration::Hours(12);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "".
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// The identity of `user` acting through `credential_id` (a token or session
// id): its role, and for a tenant its organization and granted subsidiaries.
Identity IdentityOfUser(const User& user, const std::string& credential_id);

// The user `name` if `password` is right. One unauthenticated message for an
// unknown user, a wrong password, a user without a password and a disabled
// user, so that a login form does not tell which names exist.
Result<User> CheckPassword(AccountStore& accounts, const std::string& name,
                           std::string_view password);

struct NewSession {
  std::string secret;  // the cookie value; stored only as its hash
  Session record;
};
// Starts a session for `user` (stored).
Result<NewSession> StartSession(AccountStore& accounts, RandomSource& random,
                                const std::string& user, Instant now);

// The identity behind a session cookie value: unauthenticated when it is
// unknown, ended or expired, or its user is disabled. The identity carries the
// session's CSRF token.
Result<Identity> AuthenticateSession(AccountStore& accounts, std::string_view secret, Instant now);

// Applies the owner of a token (if any) to `identity`: its current role and
// organization; unauthenticated if the owner is disabled.
Status ApplyTokenOwner(AccountStore& accounts, Identity& identity);

}  // namespace straits::auth

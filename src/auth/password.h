// Password hashing for browser logins: Argon2id (RFC 9106) in the PHC string
// format ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"), so the parameters
// travel with each hash and can be raised later without breaking old ones.
// Only the encoded hash is stored, never the password.
//
// Thread-safety: functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/tokens.h"
#include "core/status.h"

namespace straits::auth {

// Passwords shorter than this are refused (invalid_argument, field "password").
inline constexpr size_t kMinPasswordLength = 8;

// An encoded Argon2id hash of `password` with a fresh 16-byte salt.
Result<std::string> HashPassword(RandomSource& random, std::string_view password);

// Whether `password` matches `encoded` (false for a malformed hash too).
bool VerifyPassword(const std::string& encoded, std::string_view password);

}  // namespace straits::auth

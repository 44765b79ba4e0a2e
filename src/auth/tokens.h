// API tokens: generation, hashing and verification.
//
// A token is shown to its owner once ("st_" + 48 hex digits from a CSPRNG);
// only its SHA-256 is stored, so a stolen database does not yield usable
// tokens. Verification hashes the presented secret and looks the hash up.
//
// Thread-safety: functions are thread-safe; RandomSource implementations too.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/identity.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace straits::auth {

// Randomness seam, so tests can be deterministic.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with `n` random bytes; internal on failure.
  virtual Status Fill(unsigned char* out, size_t n) = 0;
};

// Cryptographically secure bytes from OpenSSL.
std::unique_ptr<RandomSource> MakeSecureRandom();

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

struct NewToken {
  std::string secret;  // show once, never store
  store::TokenRecord record;
};

// Makes a token for `name` with `role`; the caller stores `record`.
Result<NewToken> GenerateToken(RandomSource& random, const std::string& name,
                               const std::string& role, Instant now);

// The identity a stored token stands for: its role (unauthenticated if the
// role is unknown); a token bound to an organization is a tenant of it.
Result<Identity> IdentityOfToken(const store::TokenRecord& token);

// Parses "Bearer <secret>" and looks the token up. unauthenticated (with a
// message saying which) when the header is missing or malformed, or the token
// is unknown, revoked or expired; unavailable if the store cannot be reached.
Result<Identity> Authenticate(store::Store& store, std::string_view authorization_header,
                              Instant now);

}  // namespace straits::auth

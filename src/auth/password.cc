#include "auth/password.h"

#include <argon2.h>

#include <vector>

namespace straits::auth {
namespace {

// OWASP's recommended minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kPasses = 2;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

Result<std::string> HashPassword(RandomSource& random, std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument(
        "a password needs at least " + std::to_string(kMinPasswordLength) + " characters",
        "password");
  }
  unsigned char salt[kSaltBytes];
  STRAITS_RETURN_IF_ERROR(random.Fill(salt, sizeof salt));
  const size_t length =
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(length);
  const int rc =
      argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(), password.size(), salt,
                            kSaltBytes, kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Internal(std::string("argon2id: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool VerifyPassword(const std::string& encoded, std::string_view password) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace straits::auth

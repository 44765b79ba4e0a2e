#include "auth/tokens.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace straits::auth {
namespace {

class OpenSslRandom final : public RandomSource {
 public:
  Status Fill(unsigned char* out, size_t n) override {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) return Internal("RAND_bytes failed");
    return Status::Ok();
  }
};

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

}  // namespace

Result<Identity> IdentityOfToken(const store::TokenRecord& token) {
  std::optional<Role> role = ParseRole(token.role);
  if (!role) {
    return Unauthenticated("token " + token.id + " has the unknown role \"" + token.role + "\"");
  }
  Identity identity{token.id, token.name, *role, token.org, {}, false, ""};
  // A token bound to an organization acts for that organization only,
  // whatever role it was created with (tokens made before roles existed
  // carried "admin" and an organization).
  if (token.org) identity.role = Role::kTenant;
  if (identity.role == Role::kTenant && !token.org) {
    return Unauthenticated("token " + token.id + " has the role tenant but no organization");
  }
  return identity;
}

std::unique_ptr<RandomSource> MakeSecureRandom() { return std::make_unique<OpenSslRandom>(); }

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, length);
}

Result<NewToken> GenerateToken(RandomSource& random, const std::string& name,
                               const std::string& role, Instant now) {
  unsigned char bytes[30];
  STRAITS_RETURN_IF_ERROR(random.Fill(bytes, sizeof bytes));
  NewToken token;
  token.secret = "st_" + Hex(bytes, 24);
  token.record.id = "tok_" + Hex(bytes + 24, 6);
  token.record.secret_hash = Sha256Hex(token.secret);
  token.record.name = name;
  token.record.role = role;
  token.record.created_at = now;
  return token;
}

Result<Identity> Authenticate(store::Store& store, std::string_view header, Instant now) {
  if (header.empty()) {
    return Unauthenticated("missing Authorization header; send \"Authorization: Bearer TOKEN\"");
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || header.substr(0, kBearer.size()) != kBearer) {
    return Unauthenticated("Authorization header must be \"Bearer TOKEN\"");
  }
  std::string_view secret = header.substr(kBearer.size());
  Result<store::TokenRecord> token = store.FindTokenBySecretHash(Sha256Hex(secret));
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kNotFound) {
      return Unauthenticated("unknown token");
    }
    return token.status();
  }
  if (token->revoked_at) return Unauthenticated("token " + token->id + " has been revoked");
  if (token->expires_at && *token->expires_at <= now) {
    return Unauthenticated("token " + token->id + " expired at " + token->expires_at->ToString());
  }
  return IdentityOfToken(*token);
}

}  // namespace straits::auth

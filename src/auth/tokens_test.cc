#include "auth/tokens.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace straits::auth {
namespace {

class CountingRandom final : public RandomSource {
 public:
  Status Fill(unsigned char* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(next_++);
    return Status::Ok();
  }

 private:
  unsigned next_ = 0;
};

TEST(Sha256, MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Tokens, SecretIsNotStoredAndIdIsPublic) {
  CountingRandom random;
  auto token = GenerateToken(random, "admin", "admin", Instant::FromUnixSeconds(0));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->secret.rfind("st_", 0), 0u);
  EXPECT_EQ(token->secret.size(), 3u + 48u);
  EXPECT_EQ(token->record.secret_hash, Sha256Hex(token->secret));
  EXPECT_EQ(token->record.secret_hash.find(token->secret.substr(3)), std::string::npos);
  auto other = GenerateToken(random, "b", "admin", Instant::FromUnixSeconds(0));
  EXPECT_NE(other->secret, token->secret);
}

class AuthenticateTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(testing::TempDir()) /
            ("straits-auth-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path_);
    store_ = std::move(store::OpenSqliteStore(path_.string(), {.create = true}).value());
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AuthenticateTest, AcceptsValidRejectsOthers) {
  auto random = MakeSecureRandom();
  const Instant now = Instant::FromUnixSeconds(1'800'000'000);
  auto token = GenerateToken(*random, "ops", "admin", now);
  ASSERT_TRUE(token.ok());
  token->record.expires_at = now + Duration::Hours(1);
  ASSERT_TRUE(store_->CreateToken(token->record).ok());

  auto id = Authenticate(*store_, "Bearer " + token->secret, now);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->role, Role::kAdmin);
  EXPECT_EQ(id->token_id, token->record.id);

  for (const std::string& bad :
       {std::string(), std::string("Bearer"), std::string("Bearer "), std::string("Basic abc"),
        "bearer " + token->secret, std::string("Bearer st_nope")}) {
    auto r = Authenticate(*store_, bad, now);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << bad;
  }
  auto expired = Authenticate(*store_, "Bearer " + token->secret, now + Duration::Hours(2));
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(expired.status().message().find("expired"), std::string::npos);
}

}  // namespace
}  // namespace straits::auth

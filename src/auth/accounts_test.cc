#include "auth/accounts.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "auth/password.h"
#include "auth/tokens.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::auth {
namespace {

class AccountsTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(testing::TempDir()) /
            ("straits-accounts-" + std::to_string(getpid()) + ".db");
    Remove();
    store_ = std::move(store::OpenSqliteStore(path_.string(), {.create = true}).value());
    fleet::Fleet fleet;
    fleet.organizations.push_back(fleet::Organization{.id = *OrgId::Parse("acme"),
                                                      .name = "Acme",
                                                      .aliases = {},
                                                      .hq = *Country::Parse("SG"),
                                                      .billing_country = std::nullopt,
                                                      .parent = std::nullopt,
                                                      .is_tenant = true});
    ASSERT_TRUE(store_->ImportFleet(fleet).ok());
    accounts_ = std::move(OpenAccountStore(path_.string()).value());
  }
  void TearDown() override {
    accounts_.reset();
    store_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  User Tenant(const std::string& name) {
    User user{name, Role::kTenant, *OrgId::Parse("acme"), {}, "", now_, std::nullopt};
    return user;
  }

  const Instant now_ = Instant::FromUnixSeconds(1'800'000'000);
  std::filesystem::path path_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AccountStore> accounts_;
};

TEST_F(AccountsTest, UsersAreUniqueAndReferToStoredOrganizations) {
  ASSERT_TRUE(accounts_->AddUser(Tenant("ana")).ok());
  EXPECT_EQ(accounts_->AddUser(Tenant("ana")).code(), StatusCode::kAlreadyExists);
  User stray = Tenant("bo");
  stray.org = *OrgId::Parse("nobody");
  Status s = accounts_->AddUser(stray);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "org");
  auto users = accounts_->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().role, Role::kTenant);
  EXPECT_EQ(accounts_->GetUser("zed").status().code(), StatusCode::kNotFound);
}

TEST_F(AccountsTest, DisablingAUserRevokesItsTokensAndEndsItsSessions) {
  ASSERT_TRUE(accounts_->AddUser(Tenant("ana")).ok());
  auto random = MakeSecureRandom();
  auto token = GenerateToken(*random, "ana", "tenant", now_);
  token->record.org = *OrgId::Parse("acme");
  ASSERT_TRUE(accounts_->CreateUserToken(token->record, "ana").ok());
  EXPECT_EQ(accounts_->TokenOwner(token->record.id).value(), std::optional<std::string>("ana"));
  Session session{"hash", "ses_1", "ana", "csrf", now_, now_ + Duration::Hours(1), std::nullopt};
  ASSERT_TRUE(accounts_->CreateSession(session).ok());
  ASSERT_TRUE(Authenticate(*store_, "Bearer " + token->secret, now_).ok());

  ASSERT_TRUE(accounts_->DisableUser("ana", now_).ok());
  EXPECT_EQ(Authenticate(*store_, "Bearer " + token->secret, now_).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(accounts_->FindSession("hash")->ended_at.has_value());
  EXPECT_TRUE(accounts_->GetUser("ana")->disabled_at.has_value());
  EXPECT_EQ(accounts_->DisableUser("zed", now_).code(), StatusCode::kNotFound);
}

TEST_F(AccountsTest, TokensAreListedWithOwnersAndRevocable) {
  ASSERT_TRUE(accounts_->AddUser(Tenant("ana")).ok());
  auto random = MakeSecureRandom();
  auto token = GenerateToken(*random, "ana", "tenant", now_);
  ASSERT_TRUE(accounts_->CreateUserToken(token->record, "ana").ok());
  auto other = GenerateToken(*random, "nobody", "tenant", now_);
  EXPECT_EQ(accounts_->CreateUserToken(other->record, "nobody").code(), StatusCode::kNotFound);
  auto tokens = accounts_->ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().user, "ana");
  EXPECT_TRUE(tokens->front().token.secret_hash.empty());
  ASSERT_TRUE(accounts_->RevokeToken(token->record.id, now_).ok());
  EXPECT_TRUE(accounts_->ListTokens()->front().token.revoked_at.has_value());
  EXPECT_EQ(accounts_->RevokeToken("tok_none", now_).code(), StatusCode::kNotFound);
}

TEST_F(AccountsTest, OneApprovalPendsPerSubject) {
  PendingApproval first{"lease:lease-000001", "cleo", "license on file", "L-1", now_};
  ASSERT_TRUE(accounts_->AddPendingApproval(first).ok());
  EXPECT_EQ(accounts_->AddPendingApproval(first).code(), StatusCode::kAlreadyExists);
  auto found = accounts_->FindPendingApproval("lease:lease-000001");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user, "cleo");
  ASSERT_TRUE(
      accounts_->ResolvePendingApproval("lease:lease-000001", "confirmed by dan", now_).ok());
  EXPECT_FALSE(accounts_->FindPendingApproval("lease:lease-000001")->has_value());
}

TEST(Passwords, Argon2idHashVerifiesAndHidesThePassword) {
  auto random = MakeSecureRandom();
  auto hash = HashPassword(*random, "correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsf"));
  EXPECT_FALSE(VerifyPassword("plain", "plain"));
  EXPECT_NE(*HashPassword(*random, "correct horse"), *hash);  // salted
  EXPECT_EQ(HashPassword(*random, "short").status().field(), "password");
}

}  // namespace
}  // namespace straits::auth

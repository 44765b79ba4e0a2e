#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "fleet/fleet_file.h"
#include "store/sqlite/db.h"
#include "store/sqlite/migrations.h"

namespace straits::store {
namespace {

class SqliteStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("straits-store-" + std::to_string(getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "s.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open() {
    auto store = OpenSqliteStore(path_, {.create = true, .connections = 3});
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(store).value();
  }

  static fleet::Fleet World() {
    Result<fleet::Fleet> fleet = fleet::ParseFleetToml(R"(
[[organization]]
id = "kelvin"
name = "Kelvin DC"
hq = "US"
kinds = ["operator"]
[[organization]]
id = "lotus-group"
name = "Lotus Group"
hq = "CN"
kinds = ["tenant"]
[[organization]]
id = "lotus-sg"
name = "Lotus SG"
aliases = ["Lotus Singapore", "LSG"]
hq = "SG"
billing_country = "SG"
parent = "lotus-group"
kinds = ["tenant"]
[[site]]
id = "my-1"
name = "Johor 1"
country = "MY"
city = "Johor Bahru"
operator = "kelvin"
[[site]]
id = "sg-1"
name = "Jurong"
country = "SG"
city = "Singapore"
operator = "kelvin"
[[pod]]
id = "my-1-a"
site = "my-1"
[[pod]]
id = "sg-1-a"
site = "sg-1"
[[node]]
hostname = "my1-h20-[01-03]"
pod = "my-1-a"
model = "h20"
gpus = 8
[[node]]
hostname = "my1-h100-01"
pod = "my-1-a"
model = "h100-sxm"
gpus = 8
[[node]]
hostname = "sg1-b200-[1-2]"
pod = "sg-1-a"
model = "b200"
gpus = 8
)",
                                                       "t.toml");
    EXPECT_TRUE(fleet.ok()) << fleet.status();
    return std::move(fleet).value();
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, MigratesFreshDatabaseToNewestVersion) {
  auto store = Open();
  EXPECT_EQ(store->SchemaVersion(), static_cast<int>(sqlite::Migrations().size()));
  store.reset();
  auto again = Open();  // reopening is a no-op
  EXPECT_EQ(again->SchemaVersion(), static_cast<int>(sqlite::Migrations().size()));
}

TEST_F(SqliteStoreTest, RefusesDatabaseNewerThanBinary) {
  Open().reset();
  {
    auto conn = sqlite::Connection::Open(path_, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Exec("PRAGMA user_version = 999").ok());
  }
  auto store = OpenSqliteStore(path_, {});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST_F(SqliteStoreTest, MissingFileIsNotFoundWithoutCreate) {
  auto store = OpenSqliteStore((dir_ / "absent.db").string(), {});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "absent.db"));
}

TEST_F(SqliteStoreTest, FleetRoundTrips) {
  auto store = Open();
  ASSERT_TRUE(store->ImportFleet(World()).ok());

  auto org = store->GetOrg(*OrgId::Parse("lotus-sg"));
  ASSERT_TRUE(org.ok()) << org.status();
  EXPECT_EQ(org->name, "Lotus SG");
  EXPECT_EQ(org->parent->str(), "lotus-group");
  EXPECT_EQ(org->billing_country->code(), "SG");
  EXPECT_EQ(org->aliases, (std::vector<std::string>{"Lotus Singapore", "LSG"}));
  EXPECT_TRUE(org->is_tenant);
  EXPECT_FALSE(org->is_operator);

  auto site = store->GetSite(*SiteId::Parse("my-1"));
  ASSERT_TRUE(site.ok());
  EXPECT_EQ(site->site.city, "Johor Bahru");
  EXPECT_EQ(site->pods, 1);
  EXPECT_EQ(site->nodes, 4);
  EXPECT_EQ(site->gpus_by_model.at(*ModelId::Parse("h20")), 24);
  EXPECT_EQ(site->gpus_by_model.at(*ModelId::Parse("h100-sxm")), 8);

  auto nodes = store->ListNodes(*SiteId::Parse("sg-1"), {});
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->items.size(), 2u);
  EXPECT_EQ(nodes->items[0].hostname.str(), "sg1-b200-1");
  EXPECT_EQ(nodes->items[0].site.str(), "sg-1");

  EXPECT_EQ(store->GetOrg(*OrgId::Parse("nobody")).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->GetSite(*SiteId::Parse("nowhere")).status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, ReimportIsAnUpsert) {
  auto store = Open();
  ASSERT_TRUE(store->ImportFleet(World()).ok());
  fleet::Fleet world = World();
  world.organizations[2].aliases = {"Only"};
  world.nodes[0].gpus = 4;
  ASSERT_TRUE(store->ImportFleet(world).ok());
  EXPECT_EQ(store->GetOrg(*OrgId::Parse("lotus-sg"))->aliases, std::vector<std::string>{"Only"});
  EXPECT_EQ(store->ListNodes(std::nullopt, {})->items.size(), 6u);
  EXPECT_EQ(store->GetSite(*SiteId::Parse("my-1"))->gpus_by_model.at(*ModelId::Parse("h20")), 20);
}

TEST_F(SqliteStoreTest, PaginatesByCursor) {
  auto store = Open();
  ASSERT_TRUE(store->ImportFleet(World()).ok());
  std::vector<std::string> seen;
  PageRequest page{.limit = 4, .cursor = ""};
  int pages = 0;
  for (;;) {
    auto result = store->ListNodes(std::nullopt, page);
    ASSERT_TRUE(result.ok());
    ++pages;
    for (const auto& n : result->items) seen.push_back(n.hostname.str());
    if (result->next_cursor.empty()) break;
    page.cursor = result->next_cursor;
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  auto orgs = store->ListOrgs({.limit = 2, .cursor = ""});
  EXPECT_EQ(orgs->items.size(), 2u);
  EXPECT_EQ(orgs->next_cursor, "lotus-group");
}

TEST_F(SqliteStoreTest, FailedImportLeavesNothing) {
  auto store = Open();
  fleet::Fleet world = World();
  // A node whose pod does not exist: the deferred foreign key fails at commit.
  world.nodes.push_back(fleet::Node{*NodeId::Parse("orphan"), *PodId::Parse("no-pod"),
                                    *SiteId::Parse("my-1"), *ModelId::Parse("h20"), 8});
  Status s = store->ImportFleet(world);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(store->ListOrgs({})->items.empty());
  EXPECT_TRUE(store->ListSites({})->items.empty());
  EXPECT_TRUE(store->ListNodes(std::nullopt, {})->items.empty());
}

TEST_F(SqliteStoreTest, CreateSiteChecksOperatorAndDuplicates) {
  auto store = Open();
  ASSERT_TRUE(store->ImportFleet(World()).ok());
  fleet::Site site{*SiteId::Parse("us-1"), "Ashburn", *Country::Parse("US"), "Ashburn",
                   *OrgId::Parse("kelvin")};
  ASSERT_TRUE(store->CreateSite(site).ok());
  Status dup = store->CreateSite(site);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.field(), "id");
  site.id = *SiteId::Parse("us-2");
  site.operator_id = *OrgId::Parse("lotus-sg");
  Status not_operator = store->CreateSite(site);
  EXPECT_EQ(not_operator.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_operator.field(), "operator");
  site.operator_id = *OrgId::Parse("ghost");
  EXPECT_EQ(store->CreateSite(site).field(), "operator");
  EXPECT_EQ(store->ListSites({})->items.size(), 3u);
}

TEST_F(SqliteStoreTest, TokensRoundTripByHash) {
  auto store = Open();
  TokenRecord token{"tok_1",      "abc123",     "admin",
                    "admin",      std::nullopt, Instant::FromUnixSeconds(1'700'000'000),
                    std::nullopt, std::nullopt};
  ASSERT_TRUE(store->CreateToken(token).ok());
  auto found = store->FindTokenBySecretHash("abc123");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "tok_1");
  EXPECT_EQ(found->created_at, token.created_at);
  EXPECT_EQ(store->FindTokenBySecretHash("other").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->CreateToken(token).code(), StatusCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, ConcurrentReadersAndWriters) {
  auto store = Open();
  ASSERT_TRUE(store->ImportFleet(World()).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        fleet::Site site{*SiteId::Parse("s-" + std::to_string(t) + "-" + std::to_string(i)), "n",
                         *Country::Parse("SG"), "c", *OrgId::Parse("kelvin")};
        if (!store->CreateSite(site).ok()) ++failures;
        if (!store->ListSites({.limit = 1000, .cursor = ""}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->ListSites({.limit = 1000, .cursor = ""})->items.size(), 102u);
}

}  // namespace
}  // namespace straits::store

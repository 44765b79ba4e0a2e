#include "store/sqlite/family.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace straits::store::sqlite {
namespace {

constexpr std::string_view kWidgetsV1[] = {"CREATE TABLE widgets (id TEXT PRIMARY KEY);"};
constexpr std::string_view kWidgetsV2[] = {"CREATE TABLE widgets (id TEXT PRIMARY KEY);",
                                           "ALTER TABLE widgets ADD COLUMN size INTEGER;"};

class FamilyTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-family-" + std::to_string(getpid()) + ".db"))
                .string();
    Remove();
    ASSERT_TRUE(OpenSqliteStore(path_, {.create = true, .connections = 1}).ok());
  }
  void TearDown() override { Remove(); }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
};

TEST_F(FamilyTest, MigratesIndependentlyAndRefusesNewer) {
  {
    auto pool = OpenFamilyPool(path_, "widgets", kWidgetsV1, 2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    auto conn = (*pool)->Acquire();
    EXPECT_EQ(*FamilyVersion(*conn, "widgets"), 1);
    EXPECT_EQ(*FamilyVersion(*conn, "gadgets"), 0);
  }
  {
    auto pool = OpenFamilyPool(path_, "widgets", kWidgetsV2, 1);
    ASSERT_TRUE(pool.ok()) << pool.status();
    auto conn = (*pool)->Acquire();
    EXPECT_EQ(*FamilyVersion(*conn, "widgets"), 2);
    EXPECT_TRUE(conn->Exec("INSERT INTO widgets(id, size) VALUES('a', 3)").ok());
  }
  auto older = OpenFamilyPool(path_, "widgets", kWidgetsV1, 1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(FamilyTest, MissingDatabaseIsNotFound) {
  auto pool = OpenFamilyPool(path_ + ".absent", "widgets", kWidgetsV1, 1);
  EXPECT_EQ(pool.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace straits::store::sqlite

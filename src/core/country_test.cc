#include "core/country.h"

#include <gtest/gtest.h>

namespace straits {
namespace {

TEST(Country, ParsesAssignedCodes) {
  for (const char* code : {"SG", "MY", "CN", "US", "DE", "TW", "HK", "AE"}) {
    Result<Country> c = Country::Parse(code);
    ASSERT_TRUE(c.ok()) << code << ": " << c.status();
    EXPECT_EQ(c->code(), code);
  }
  EXPECT_EQ(Country::Parse("MY")->Name(), "Malaysia");
  EXPECT_EQ(Country::Parse("SG")->Name(), "Singapore");
}

TEST(Country, RejectsGarbage) {
  for (const char* code : {"", "S", "sg", "Sg", "SGP", "S1", "  ", "XX", "ZZ", "AA", "UK"}) {
    Result<Country> c = Country::Parse(code);
    EXPECT_FALSE(c.ok()) << code;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << code;
  }
}

TEST(Country, ListIsCompleteAndSorted) {
  const auto& all = Country::All();
  EXPECT_EQ(all.size(), 249u);  // ISO 3166-1 assigned alpha-2 codes
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1], all[i]);
}

TEST(Country, IsHashableAndComparable) {
  std::hash<Country> h;
  EXPECT_EQ(h(*Country::Parse("SG")), h(*Country::Parse("SG")));
  EXPECT_EQ(*Country::Parse("SG"), *Country::Parse("SG"));
  EXPECT_NE(*Country::Parse("SG"), *Country::Parse("MY"));
}

}  // namespace
}  // namespace straits

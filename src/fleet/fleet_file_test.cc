#include "fleet/fleet_file.h"

#include <gtest/gtest.h>

namespace straits::fleet {
namespace {

constexpr std::string_view kGood = R"(
[[organization]]
id = "kelvin-dc"
name = "Kelvin Data Centers Inc."
hq = "US"
kinds = ["operator"]

[[organization]]
id = "lotus-sg"
name = "Lotus AI Pte. Ltd."
aliases = ["Lotus SG"]
hq = "SG"
billing_country = "SG"
parent = "kelvin-dc"
kinds = ["tenant", "operator"]

[[site]]
id = "sg-1"
name = "Jurong"
country = "SG"
city = "Singapore"
operator = "kelvin-dc"

[[pod]]
id = "sg-1-p1"
site = "sg-1"

[[node]]
hostname = "sg1-h100-[01-04]"
pod = "sg-1-p1"
model = "h100-sxm"
gpus = 8
)";

TEST(FleetFile, ParsesEveryKind) {
  Result<Fleet> fleet = ParseFleetToml(kGood, "world.toml");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  ASSERT_EQ(fleet->organizations.size(), 2u);
  EXPECT_EQ(fleet->organizations[1].parent->str(), "kelvin-dc");
  EXPECT_TRUE(fleet->organizations[1].is_tenant);
  EXPECT_TRUE(fleet->organizations[1].is_operator);
  EXPECT_EQ(fleet->organizations[1].aliases, std::vector<std::string>{"Lotus SG"});
  EXPECT_EQ(fleet->organization_lines[0], 2);
  ASSERT_EQ(fleet->sites.size(), 1u);
  EXPECT_EQ(fleet->sites[0].country.code(), "SG");
  ASSERT_EQ(fleet->nodes.size(), 4u);
  EXPECT_EQ(fleet->nodes[3].hostname.str(), "sg1-h100-04");
  EXPECT_EQ(fleet->nodes[0].gpus, 8);
}

struct BadCase {
  const char* name;
  const char* text;
  const char* field;    // expected "FILE:LINE[:COL]"
  const char* message;  // expected substring
};

class FleetFileBad : public testing::TestWithParam<BadCase> {};

TEST_P(FleetFileBad, NamesFileLineAndProblem) {
  const BadCase& c = GetParam();
  Result<Fleet> fleet = ParseFleetToml(c.text, "f.toml");
  ASSERT_FALSE(fleet.ok());
  EXPECT_EQ(fleet.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fleet.status().field(), c.field);
  EXPECT_NE(fleet.status().message().find(c.message), std::string::npos)
      << fleet.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FleetFileBad,
    testing::Values(
        BadCase{"syntax", "[[site]\nid = 1", "f.toml:1:8", ""},
        BadCase{"unknown_country",
                "\n[[site]]\nid='a'\nname='n'\ncountry='XX'\ncity='c'\noperator='o'", "f.toml:5",
                "unknown country code \"XX\""},
        BadCase{"lowercase_country",
                "[[organization]]\nid='a'\nname='n'\nhq='sg'\nkinds=['tenant']", "f.toml:4",
                "two upper-case letters"},
        BadCase{"missing_field", "[[site]]\nid='a'\nname='n'\ncountry='SG'\ncity='c'", "f.toml:1",
                "missing required key \"operator\""},
        BadCase{"wrong_type", "[[node]]\nhostname='h'\npod='p'\nmodel='m'\ngpus='8'", "f.toml:5",
                "\"gpus\" must be an integer, found a string"},
        BadCase{"zero_gpus", "[[node]]\nhostname='h'\npod='p'\nmodel='m'\ngpus=0", "f.toml:5",
                "between 1 and 1024"},
        BadCase{"unknown_key", "[[pod]]\nid='p'\nsite='s'\ncolour='red'", "f.toml:4",
                "unknown key \"colour\""},
        BadCase{"unknown_table", "[[rack]]\nid='r'", "f.toml:1", "unknown top-level key \"rack\""},
        BadCase{"not_array", "[site]\nid='r'", "f.toml:1", "must be an array of tables"},
        BadCase{"bad_kind", "[[organization]]\nid='a'\nname='n'\nhq='SG'\nkinds=['landlord']",
                "f.toml:5", "unknown kind \"landlord\""},
        BadCase{"bad_id", "[[pod]]\nid='has space'\nsite='s'", "f.toml:2", "may contain only"},
        BadCase{"bad_hostlist", "[[node]]\nhostname='h[3-1]'\npod='p'\nmodel='m'\ngpus=8",
                "f.toml:2", "reversed"}),
    [](const testing::TestParamInfo<BadCase>& case_info) {
      return std::string(case_info.param.name);
    });

}  // namespace
}  // namespace straits::fleet

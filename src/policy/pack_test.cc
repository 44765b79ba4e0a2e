#include "policy/pack.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/shipped.h"

namespace straits::policy {
namespace {

constexpr const char* kHeader = R"(id = "test-pack"
jurisdiction = "US"
title = "Test"
status = "final"
published = 2024-01-01
effective = 2024-01-02
sources = ["test source"]
)";

Result<Pack> Parse(const std::string& text) { return ParsePack(text, "test.toml", nullptr); }

TEST(Pack, ParsesGroupsAndRules) {
  std::string text = std::string(kHeader) + R"(
[[group]]
id = "G"
source = "s"
members = ["CN"]
dated = [{ country = "MO", from = 2024-03-01, source = "s2" }]

[[rule]]
id = "r1"
citation = "c"
kinds = ["export"]
from = 2024-02-01
when = 'to in group("G")'
verdict = "license_required"
message = "to {to}"
)";
  Result<Pack> pack = Parse(text);
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_EQ(pack->id, "test-pack");
  ASSERT_EQ(pack->groups.size(), 1u);
  EXPECT_EQ(pack->groups[0].MembersOn(*Instant::Parse("2024-02-01")),
            (std::vector<std::string>{"CN"}));
  EXPECT_EQ(pack->groups[0].MembersOn(*Instant::Parse("2024-03-01")),
            (std::vector<std::string>{"CN", "MO"}));
  ASSERT_EQ(pack->rules.size(), 1u);
  EXPECT_TRUE(pack->rules[0].AppliesTo(Kind::kExport));
  EXPECT_FALSE(pack->rules[0].AppliesTo(Kind::kRemoteAccess));
  EXPECT_FALSE(pack->rules[0].ActiveOn(*Instant::Parse("2024-01-31")));
  EXPECT_EQ(pack->hash.substr(0, 7), "sha256:");
  EXPECT_EQ(pack->hash.size(), 7u + 64u);
}

TEST(Pack, InForceFollowsDatesSuspensionAndStatus) {
  std::string text = std::string(kHeader) +
                     "rescinded = 2026-01-01\nsuspended_from = 2025-01-01\n"
                     "suspended_until = 2025-06-01\n";
  Result<Pack> pack = Parse(text);
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_FALSE(pack->InForceOn(*Instant::Parse("2024-01-01")));
  EXPECT_TRUE(pack->InForceOn(*Instant::Parse("2024-01-02")));
  EXPECT_FALSE(pack->InForceOn(*Instant::Parse("2025-03-01")));
  EXPECT_NE(pack->StatusOn(*Instant::Parse("2025-03-01")).find("suspended"), std::string::npos);
  EXPECT_TRUE(pack->InForceOn(*Instant::Parse("2025-06-01")));
  EXPECT_FALSE(pack->InForceOn(*Instant::Parse("2026-01-01")));
  std::string proposed = kHeader;
  proposed.replace(proposed.find("\"final\""), 7, "\"proposed\"");
  Result<Pack> proposed_pack = Parse(proposed);
  ASSERT_TRUE(proposed_pack.ok());
  EXPECT_FALSE(proposed_pack->InForceOn(*Instant::Parse("2030-01-01")));
}

// Every malformed pack names FILE:LINE:COL and what was expected.
TEST(Pack, MalformedPacksGiveFileLineCol) {
  struct Case {
    const char* name;
    std::string body;  // appended to the header (8 lines, so the body starts on line 8)
    const char* location;
    const char* message_part;
  };
  const std::string rule_head =
      "[[rule]]\nid = \"r\"\ncitation = \"c\"\nkinds = [\"export\"]\nverdict = \"allowed\"\n"
      "message = \"m\"\n";  // lines 8..13; `when` goes on line 14
  const Case cases[] = {
      {"syntax", "id2 = = 3\n", "test.toml:8:7", "TOML syntax"},
      {"unknown top-level key", "colour = 1\n", "test.toml:8:1", "colour: unknown key"},
      {"unknown rule key", rule_head + "when = 'true'\nseverity = 1\n", "test.toml:15:1",
       "severity: unknown key"},
      {"unknown attribute", rule_head + "when = 'item.tpx >= 4800'\n", "test.toml:14:9",
       "unknown attribute \"item.tpx\""},
      {"unknown attribute later in the line", rule_head + "when = 'to == \"CN\" && item.tpx'\n",
       "test.toml:14:23", "unknown attribute"},
      {"attribute of another kind", rule_head + "when = 'tenant.hq == \"CN\"'\n", "test.toml:14:9",
       "not available for export"},
      {"type error", rule_head + "when = 'item.tpp >= \"4800\"'\n", "test.toml:14:18",
       "needs numbers or dates"},
      {"unknown function", rule_head + "when = 'flag(to)'\n", "test.toml:14:9", "unknown function"},
      {"eccn without thresholds", rule_head + "when = 'eccn() == \"3A090.a\"'\n", "test.toml:14:9",
       "thresholds"},
      {"unknown group", rule_head + "when = 'to in group(\"D:5\")'\n", "test.toml:14:21",
       "unknown country group"},
      {"bad country literal", rule_head + "when = 'to == \"XX\"'\n", "test.toml:14:15",
       "not a country code"},
      {"multi-line condition", rule_head + "when = '''\nto == \"CN\"\n  && item.tpx > 1\n'''\n",
       "test.toml:16:6", "unknown attribute"},
      {"basic string condition", rule_head + "when = \"to == \\\"CN\\\" && bogus\"\n",
       "test.toml:14:25", "unknown attribute \"bogus\""},
      {"bad message placeholder",
       std::string("[[rule]]\nid = \"r\"\ncitation = \"c\"\n") +
           "kinds = [\"export\"]\nverdict = \"allowed\"\nwhen = 'true'\n" +
           "message = \"to {too}\"\n",
       "test.toml:14:16", "unknown placeholder {too}"},
      {"bad verdict",
       "[[rule]]\nid = \"r\"\ncitation = \"c\"\nkinds = [\"export\"]\n" +
           std::string("verdict = \"forbidden\"\nmessage = \"m\"\nwhen = 'true'\n"),
       "test.toml:12:11", "must be \"allowed\""},
      {"bad kind", "[[rule]]\nid = \"r\"\ncitation = \"c\"\nkinds = [\"import\"]\n",
       "test.toml:11:10", "must be \"export\" or \"remote_access\""},
      {"missing citation", "[[rule]]\nid = \"r\"\nkinds = [\"export\"]\n", "test.toml:8:1",
       "citation: missing required key"},
      {"rule window out of order",
       rule_head + "when = 'true'\nfrom = 2025-01-01\n" + "until = 2024-06-01\n", "test.toml:16:9",
       "dates out of order"},
      {"rule ends before the pack", rule_head + "when = 'true'\nuntil = 2023-01-01\n",
       "test.toml:15:9", "dates out of order"},
      {"rescinded before effective", "rescinded = 2023-01-01\n", "test.toml:8:13",
       "dates out of order"},
      {"suspension out of order", "suspended_from = 2025-01-01\nsuspended_until = 2024-01-01\n",
       "test.toml:9:19", "dates out of order"},
      {"suspended before effective", "suspended_from = 2023-01-01\n", "test.toml:8:18",
       "dates out of order"},
      {"suspended_until alone", "suspended_until = 2025-01-01\n", "test.toml:8:19",
       "needs suspended_from"},
      {"group membership out of order",
       "[[group]]\nid = \"G\"\nsource = \"s\"\n" +
           std::string("dated = [{ country = \"NI\", from = 2025-01-01, until = 2024-01-01, "
                       "source = \"s\" }]\n"),
       "test.toml:11:55", "dates out of order"},
      {"group unknown country",
       "[[group]]\nid = \"G\"\nsource = \"s\"\nmembers = [\"CN\", \"QQ\"]\n", "test.toml:11:18",
       "\"QQ\" is not an ISO 3166-1"},
      {"duplicate rule", rule_head + "when = 'true'\n" + rule_head + "when = 'true'\n",
       "test.toml:16:6", "duplicate rule id"},
      {"thresholds of an unknown pack", "thresholds = \"nope\"\n", "test.toml:8:14",
       "no loaded pack \"nope\""},
      {"wrong type", "[[rule]]\nid = 3\n", "test.toml:9:6",
       "id: must be a string, found an integer"},
  };
  for (const Case& c : cases) {
    std::string text = std::string(kHeader) + c.body;
    Result<Pack> pack = Parse(text);
    ASSERT_FALSE(pack.ok()) << c.name;
    EXPECT_EQ(pack.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(pack.status().field(), c.location) << c.name << ": " << pack.status();
    EXPECT_NE(pack.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << pack.status();
  }
}

TEST(Pack, MissingHeaderKeysAreReported) {
  Result<Pack> pack = Parse("id = \"x\"\n");
  ASSERT_FALSE(pack.ok());
  EXPECT_EQ(pack.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pack.status().message().find("jurisdiction: missing required key"), std::string::npos);
  EXPECT_EQ(pack.status().field(), "test.toml:1:1");
}

TEST(Pack, LoadPacksResolvesThresholdsAcrossFiles) {
  std::string owner = std::string(kHeader) + R"(
[classification]
sources = ["s"]
[[classification.criterion]]
paragraph = "3A090.a.1"
eccn = "3A090.a"
computer_eccn = "4A090.a"
scope = "all"
tpp_at_least = 4800.0
source = "s"
)";
  std::string borrower = std::string(kHeader) + R"(thresholds = "test-pack"
[[rule]]
id = "r"
citation = "c"
kinds = ["export"]
when = 'eccn() == "3A090.a"'
verdict = "license_required"
message = "{eccn()}"
)";
  borrower.replace(borrower.find("test-pack"), 9, "borrower");
  PackSource sources[] = {{"b.toml", borrower}, {"a.toml", owner}};
  Result<std::vector<Pack>> packs = LoadPacks(sources);
  ASSERT_TRUE(packs.ok()) << packs.status();
  EXPECT_EQ((*packs)[0].thresholds, "test-pack");
  ASSERT_TRUE((*packs)[0].classification.has_value());

  PackSource duplicate[] = {{"a.toml", owner}, {"c.toml", owner}};
  Result<std::vector<Pack>> dup = LoadPacks(duplicate);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate rule pack id"), std::string::npos);
}

TEST(ShippedPacks, LoadWithCitationsEverywhere) {
  Result<std::vector<Pack>> packs = LoadShippedPacks();
  ASSERT_TRUE(packs.ok()) << packs.status();
  EXPECT_GE(packs->size(), 12u);
  size_t rules = 0;
  for (const Pack& pack : *packs) {
    EXPECT_FALSE(pack.sources.empty()) << pack.id;
    for (const Rule& rule : pack.rules) {
      EXPECT_FALSE(rule.citation.empty()) << pack.id << "/" << rule.id;
      ++rules;
    }
    for (const CountryGroup& group : pack.groups) {
      for (const GroupMembership& m : group.members()) EXPECT_FALSE(m.source.empty());
    }
  }
  EXPECT_GE(rules, 25u);
}

// D:5 is copied into several packs: every copy must agree on every date the
// membership changes.
TEST(ShippedPacks, CountryGroupCopiesAgree) {
  Result<std::vector<Pack>> packs = LoadShippedPacks();
  ASSERT_TRUE(packs.ok()) << packs.status();
  const char* dates[] = {"2021-01-01", "2022-01-01", "2024-03-15", "2024-05-30",
                         "2025-11-07", "2026-07-10", "2027-01-01"};
  for (const char* group_id : {"D:5"}) {
    const CountryGroup* reference = nullptr;
    for (const Pack& pack : *packs) {
      const CountryGroup* group = pack.FindGroup(group_id);
      if (!group) continue;
      if (!reference) {
        reference = group;
        continue;
      }
      for (const char* date : dates) {
        Instant when = *Instant::Parse(date);
        EXPECT_EQ(group->MembersOn(when), reference->MembersOn(when))
            << pack.id << " " << group_id << " on " << date;
      }
    }
    ASSERT_NE(reference, nullptr);
  }
}

TEST(ShippedPacks, DiffusionIsNeverInForceAndAffiliatesAreSuspended) {
  Result<std::vector<Pack>> packs = LoadShippedPacks();
  ASSERT_TRUE(packs.ok());
  for (const Pack& pack : *packs) {
    if (pack.id == "us-ear-2025-01-diffusion") {
      for (const char* date : {"2025-01-13", "2025-05-12", "2025-05-15", "2026-01-01"}) {
        EXPECT_FALSE(pack.InForceOn(*Instant::Parse(date))) << date;
      }
    }
    if (pack.id == "us-ear-2025-09-affiliates") {
      EXPECT_TRUE(pack.InForceOn(*Instant::Parse("2025-10-01")));
      EXPECT_FALSE(pack.InForceOn(*Instant::Parse("2025-11-10")));
      EXPECT_FALSE(pack.InForceOn(*Instant::Parse("2026-11-09")));
      EXPECT_TRUE(pack.InForceOn(*Instant::Parse("2026-11-10")));
    }
    if (pack.id == "us-doc-2024-01-iaas-kyc") {
      EXPECT_FALSE(pack.InForceOn(*Instant::Parse("2026-01-01")));
    }
  }
}

}  // namespace
}  // namespace straits::policy

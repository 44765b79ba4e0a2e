#include "fleet/validate.h"

#include <gtest/gtest.h>

#include "fleet/fleet_file.h"

namespace straits::fleet {
namespace {

bool KnownModel(const ModelId& id) { return id.str() == "h100-sxm" || id.str() == "h20"; }

Status ValidateText(std::string_view text, const ExistingFleet& existing = {}) {
  Result<Fleet> fleet = ParseFleetToml(text, "f.toml");
  if (!fleet.ok()) return fleet.status();
  return ValidateFleet(*fleet, existing, KnownModel, "f.toml");
}

constexpr std::string_view kOps = R"([[organization]]
id = "op"
name = "Op"
hq = "US"
kinds = ["operator"]
[[organization]]
id = "tenant"
name = "Tenant"
hq = "CN"
kinds = ["tenant"]
)";

TEST(ValidateFleet, AcceptsConsistentFleetAndFillsNodeSite) {
  std::string text(kOps);
  text +=
      "[[site]]\nid='s'\nname='S'\ncountry='MY'\ncity='Johor Bahru'\noperator='op'\n"
      "[[pod]]\nid='p'\nsite='s'\n"
      "[[node]]\nhostname='n[1-2]'\npod='p'\nmodel='h20'\ngpus=8\n";
  Result<Fleet> fleet = ParseFleetToml(text, "f.toml");
  ASSERT_TRUE(fleet.ok());
  ASSERT_TRUE(ValidateFleet(*fleet, {}, KnownModel, "f.toml").ok());
  EXPECT_EQ(fleet->nodes[1].site.str(), "s");
}

TEST(ValidateFleet, RejectsDanglingOperator) {
  std::string text(kOps);
  text += "[[site]]\nid='s'\nname='S'\ncountry='MY'\ncity='c'\noperator='ghost'\n";
  Status s = ValidateText(text);
  EXPECT_EQ(s.field(), "f.toml:11");
  EXPECT_NE(s.message().find("operator \"ghost\" is not a defined organization"),
            std::string::npos);
}

TEST(ValidateFleet, RejectsTenantAsOperator) {
  std::string text(kOps);
  text += "[[site]]\nid='s'\nname='S'\ncountry='MY'\ncity='c'\noperator='tenant'\n";
  EXPECT_NE(ValidateText(text).message().find("not of kind \"operator\""), std::string::npos);
}

TEST(ValidateFleet, RejectsDuplicateHostname) {
  std::string text(kOps);
  text +=
      "[[site]]\nid='s'\nname='S'\ncountry='MY'\ncity='c'\noperator='op'\n"
      "[[pod]]\nid='p'\nsite='s'\n"
      "[[node]]\nhostname='n[1-2]'\npod='p'\nmodel='h20'\ngpus=8\n"
      "[[node]]\nhostname='n2'\npod='p'\nmodel='h20'\ngpus=8\n";
  Status s = ValidateText(text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("duplicate hostname \"n2\""), std::string::npos);
  EXPECT_EQ(s.field(), "f.toml:25");
}

TEST(ValidateFleet, RejectsUnknownModelAndPod) {
  std::string base(kOps);
  base +=
      "[[site]]\nid='s'\nname='S'\ncountry='MY'\ncity='c'\noperator='op'\n"
      "[[pod]]\nid='p'\nsite='s'\n";
  EXPECT_NE(ValidateText(base + "[[node]]\nhostname='n'\npod='p'\nmodel='tpu9'\ngpus=8\n")
                .message()
                .find("unknown accelerator model \"tpu9\""),
            std::string::npos);
  EXPECT_NE(ValidateText(base + "[[node]]\nhostname='n'\npod='q'\nmodel='h20'\ngpus=8\n")
                .message()
                .find("pod \"q\" is not defined"),
            std::string::npos);
}

TEST(ValidateFleet, RejectsOwnershipCycles) {
  Status s = ValidateText(
      "[[organization]]\nid='a'\nname='A'\nhq='CN'\nparent='b'\nkinds=['tenant']\n"
      "[[organization]]\nid='b'\nname='B'\nhq='CN'\nparent='a'\nkinds=['tenant']\n");
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s;
  Status self =
      ValidateText("[[organization]]\nid='a'\nname='A'\nhq='CN'\nparent='a'\nkinds=['tenant']\n");
  EXPECT_NE(self.message().find("own parent"), std::string::npos);
}

TEST(ValidateFleet, ResolvesReferencesIntoExistingStore) {
  ExistingFleet existing;
  existing.org_parents[*OrgId::Parse("group")] = std::nullopt;
  existing.org_is_operator[*OrgId::Parse("group")] = true;
  EXPECT_TRUE(ValidateText("[[organization]]\nid='sub'\nname='Sub'\nhq='SG'\nparent='group'\n"
                           "kinds=['tenant']\n[[site]]\nid='s'\nname='S'\ncountry='SG'\n"
                           "city='c'\noperator='group'\n",
                           existing)
                  .ok());
  // A stored cycle closed by the file is caught too.
  existing.org_parents[*OrgId::Parse("group")] = *OrgId::Parse("sub");
  EXPECT_FALSE(ValidateText("[[organization]]\nid='sub'\nname='Sub'\nhq='SG'\nparent='group'\n"
                            "kinds=['tenant']\n",
                            existing)
                   .ok());
}

TEST(UltimateParent, FollowsTheChain) {
  std::map<OrgId, std::optional<OrgId>> parents{{*OrgId::Parse("a"), *OrgId::Parse("b")},
                                                {*OrgId::Parse("b"), *OrgId::Parse("c")},
                                                {*OrgId::Parse("c"), std::nullopt}};
  auto lookup = [&](const OrgId& id) -> std::optional<std::optional<OrgId>> {
    auto it = parents.find(id);
    if (it == parents.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(UltimateParent(*OrgId::Parse("a"), lookup)->str(), "c");
  EXPECT_EQ(UltimateParent(*OrgId::Parse("c"), lookup)->str(), "c");
  EXPECT_EQ(UltimateParent(*OrgId::Parse("zz"), lookup).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace straits::fleet

#include "fleet/hostlist.h"

#include <gtest/gtest.h>

namespace straits::fleet {
namespace {

TEST(HostList, ExpandsRangesWithPadding) {
  auto hosts = ExpandHostList("sgj1-h100-[001-003]");
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  EXPECT_EQ(*hosts, (std::vector<std::string>{"sgj1-h100-001", "sgj1-h100-002", "sgj1-h100-003"}));
  EXPECT_EQ(*ExpandHostList("gpu[1-2,7]"), (std::vector<std::string>{"gpu1", "gpu2", "gpu7"}));
  EXPECT_EQ(*ExpandHostList("n[8-10].dc"), (std::vector<std::string>{"n8.dc", "n9.dc", "n10.dc"}));
  EXPECT_EQ(*ExpandHostList("plain"), (std::vector<std::string>{"plain"}));
}

TEST(HostList, RejectsMalformedPatterns) {
  for (const char* bad : {"a[", "a]", "a[]", "a[3-1]", "a[1-2]b[3]", "a[x]", "a[1,]", "a[1-]",
                          "a[0-9999999]", "a][1"}) {
    auto hosts = ExpandHostList(bad);
    EXPECT_FALSE(hosts.ok()) << bad;
    if (!hosts.ok()) {
      EXPECT_EQ(hosts.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

}  // namespace
}  // namespace straits::fleet

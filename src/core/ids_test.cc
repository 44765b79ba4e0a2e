#include "core/ids.h"

#include <gtest/gtest.h>

namespace straits {
namespace {

TEST(Id, AcceptsSlugsAndHostnames) {
  EXPECT_TRUE(SiteId::Parse("sg-jurong-1").ok());
  EXPECT_TRUE(NodeId::Parse("sgj1-h100-001.example").ok());
  EXPECT_TRUE(ModelId::Parse("nvidia_h100").ok());
}

TEST(Id, RejectsBadIds) {
  for (const char* bad : {"", "-lead", ".x", "has space", "a/b", "a?b", "ü"}) {
    EXPECT_EQ(OrgId::Parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(OrgId::Parse(std::string(65, 'a')).ok());
  EXPECT_TRUE(OrgId::Parse(std::string(64, 'a')).ok());
}

}  // namespace
}  // namespace straits

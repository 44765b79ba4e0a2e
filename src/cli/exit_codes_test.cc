#include "cli/exit_codes.h"

#include <gtest/gtest.h>

namespace straits::cli {
namespace {

TEST(ExitCodes, MapsCanonicalCodes) {
  EXPECT_EQ(ExitCodeFor(StatusCode::kOk), 0);
  EXPECT_EQ(ExitCodeFor(StatusCode::kInvalidArgument), 2);
  EXPECT_EQ(ExitCodeFor(StatusCode::kNotFound), 1);
  EXPECT_EQ(ExitCodeFor(StatusCode::kUnavailable), 1);
  EXPECT_EQ(ExitCodeFor(StatusCode::kInternal), 1);
}

}  // namespace
}  // namespace straits::cli

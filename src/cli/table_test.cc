#include "cli/table.h"

#include <gtest/gtest.h>

namespace straits::cli {
namespace {

TEST(Table, AlignsColumnsAndRightAlignsNumbers) {
  Table t({"ID", "GPUS"});
  t.AddRow({"sg-1", "512"});
  t.AddRow({"my-long", "8"});
  EXPECT_EQ(t.Render(), "ID       GPUS\nsg-1      512\nmy-long     8\n");
}

TEST(Table, CountsCodePointsNotBytes) {
  Table t({"NAME", "X"});
  t.AddRow({"摩尔", "a"});
  t.AddRow({"ab", "b"});
  EXPECT_EQ(t.Render(), "NAME  X\n摩尔  a\nab    b\n");
}

}  // namespace
}  // namespace straits::cli

#include <gtest/gtest.h>

#include "policy/expr.h"
TEST(Pack, Placeholder) { SUCCEED(); }

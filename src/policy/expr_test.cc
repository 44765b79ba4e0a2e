#include "policy/expr.h"

#include <gtest/gtest.h>
TEST(Expr, Placeholder) { SUCCEED(); }

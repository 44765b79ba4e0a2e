#include <gtest/gtest.h>
TEST(screening_test, Placeholder) { SUCCEED(); }

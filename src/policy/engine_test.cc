#include <gtest/gtest.h>
TEST(engine_test, Placeholder) { SUCCEED(); }

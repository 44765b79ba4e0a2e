#include <gtest/gtest.h>
TEST(whatif_test, Placeholder) { SUCCEED(); }

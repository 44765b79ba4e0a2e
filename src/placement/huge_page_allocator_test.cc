#include "placement/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace straits::placement {
namespace {

using Bytes = std::vector<uint8_t, HugePageAllocator<uint8_t>>;
using Ints = std::vector<int32_t, HugePageAllocator<int32_t>>;
constexpr size_t kHuge = HugePageAllocator<uint8_t>::kHugePage;

// Large tables start on a huge-page boundary, so that the kernel can back them
// with huge pages from their first byte.
TEST(HugePageAllocator, LargeAllocationsAreAlignedToAHugePage) {
  for (size_t size : {kHuge, kHuge + 1, 3 * kHuge - 7}) {
    Bytes v(size, 7);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHuge, 0U) << size;
    EXPECT_EQ(v.front(), 7);
    EXPECT_EQ(v.back(), 7);
  }
}

// Small and large vectors hold, copy, grow and move their contents as any vector does.
TEST(HugePageAllocator, VectorsKeepTheirContentsThroughGrowthCopiesAndMoves) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, kHuge / sizeof(int32_t) + 3}) {
    Ints v(size);
    std::iota(v.begin(), v.end(), 0);
    v.resize(size * 2 + 1, -1);  // crosses from small to large for some sizes
    for (size_t i = 0; i < size; ++i) ASSERT_EQ(v[i], static_cast<int32_t>(i)) << size;
    for (size_t i = size; i < v.size(); ++i) ASSERT_EQ(v[i], -1) << size;
    Ints copy = v;
    Ints moved = std::move(v);
    EXPECT_EQ(copy, moved);
    copy.clear();
    copy.shrink_to_fit();
    EXPECT_EQ(moved.size(), size * 2 + 1);
  }
}

}  // namespace
}  // namespace straits::placement

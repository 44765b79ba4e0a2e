// The ECCN decision is the placement hot path: it must not allocate. This file
// replaces the global allocation functions of the test binary with counting
// wrappers (they count only while a test asks them to).
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#include "catalog/classify.h"
#include "catalog/shipped.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

namespace {
void* Allocate(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (size == 0) size = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}
void* AllocateOrThrow(std::size_t size, std::size_t alignment) {
  if (void* memory = Allocate(size, alignment)) return memory;
  throw std::bad_alloc();
}
}  // namespace

// Every replaceable form, so that each allocation and its release pair up.
void* operator new(std::size_t size) { return AllocateOrThrow(size, 0); }
void* operator new[](std::size_t size) { return AllocateOrThrow(size, 0); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return Allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t align) {
  return AllocateOrThrow(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return AllocateOrThrow(size, static_cast<std::size_t>(align));
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<std::size_t>(align));
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<std::size_t>(align));
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}

namespace straits::catalog {
namespace {

TEST(DecideEccn, DoesNotAllocate) {
  Result<Catalog> catalog = LoadShippedCatalog();
  Result<std::vector<ClassificationRegime>> regimes = LoadShippedRegimes();
  ASSERT_TRUE(catalog.ok() && regimes.ok());
  int controlled = 0;
  counting = true;
  for (const AcceleratorSpec& spec : catalog->models()) {
    const ChipFigures figures = ComputeFigures(spec);
    for (const ClassificationRegime& regime : *regimes) {
      controlled += DecideEccn(figures, regime).eccn == Eccn::k3A090a ? 1 : 0;
    }
  }
  counting = false;
  EXPECT_EQ(allocations.load(), 0);
  EXPECT_GT(controlled, 0);  // the loop did real work

  // The counter works: the full classification does allocate.
  counting = true;
  Classification full = Classify(catalog->models()[0], regimes->front());
  counting = false;
  EXPECT_GT(allocations.load(), 0);
  EXPECT_FALSE(full.reason.empty());
}

}  // namespace
}  // namespace straits::catalog

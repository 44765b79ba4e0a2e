// HugePageAllocator: an allocator for the calendar's large per-hour tables,
// which searches read at scattered places (one row per node or pod, each row a
// year of hours long, so each in pages of its own).
//
// Why. With 4 KiB pages a search that reads one row of each of a pod's 32 nodes
// touches 32 pages, and every page is a TLB miss (a page-table walk) on top of
// the cache miss. Allocations of 2 MiB and more are mapped here on their own,
// aligned to 2 MiB, and marked MADV_HUGEPAGE, so that where transparent huge
// pages are enabled ("madvise" or "always" in
// /sys/kernel/mm/transparent_hugepage/enabled) the kernel backs them with 2 MiB
// pages and one TLB entry covers 512 times as much. The advice is only advice:
// where huge pages are off or short, the memory is ordinary pages and nothing
// else changes. Smaller allocations go to std::allocator.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace straits::placement {

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: allocator rebinding

  T* allocate(size_t n) {
    if (n > (SIZE_MAX - 2 * kHugePage) / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>().allocate(n);
    // Map one huge page more than needed and trim both ends to the alignment.
    const size_t mapped = Rounded(bytes) + kHugePage;
    void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) munmap(raw, aligned - start);
    const uintptr_t end = aligned + Rounded(bytes);
    if (start + mapped > end) munmap(reinterpret_cast<void*>(end), start + mapped - end);
    (void)madvise(reinterpret_cast<void*>(aligned), Rounded(bytes), MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }

  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      std::allocator<T>().deallocate(p, n);
      return;
    }
    munmap(p, Rounded(bytes));
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }

 private:
  static size_t Rounded(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }
};

}  // namespace straits::placement

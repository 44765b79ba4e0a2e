// Evaluation must not allocate once a Decision has grown to the decision's
// size. This binary replaces the global allocation functions with counting
// wrappers (they count only while a test asks them to).
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#include "policy/engine.h"
#include "policy/shipped.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

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

namespace straits::policy {
namespace {

TEST(Allocation, EvaluateAllocatesNothingOnceWarm) {
  Result<Engine> engine = LoadShippedEngine();
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::vector<Transaction> txs;
  for (const char* model : {"h100-sxm", "h20", "rtx-4090", "a800-sxm", "mi308x"}) {
    for (const char* to : {"CN", "MY", "SA"}) {
      Transaction tx;
      tx.kind = Kind::kExport;
      tx.date = *Instant::Parse("2025-10-01");
      tx.item = engine->FindItem(*ModelId::Parse(model));
      tx.from = *Country::Parse("US");
      tx.to = *Country::Parse(to);
      tx.consignee.name = "Example Consignee With A Long Enough Name To Defeat SSO";
      tx.consignee.hq = *Country::Parse("CN");
      txs.push_back(tx);
      tx.kind = Kind::kRemoteAccess;
      tx.site_country = *Country::Parse("MY");
      tx.tenant = tx.consignee;
      tx.operator_party.hq = *Country::Parse("US");
      txs.push_back(tx);
    }
  }
  PackSelection selection;
  Decision decision;
  // Warm up: the decision grows to its largest size.
  for (int round = 0; round < 2; ++round) {
    for (const Transaction& tx : txs) ASSERT_TRUE(engine->Evaluate(tx, selection, decision).ok());
  }
  allocations = 0;
  counting = true;
  size_t hits = 0;
  for (const Transaction& tx : txs) {
    Status status = engine->Evaluate(tx, selection, decision);
    hits += decision.hits().size();
    if (!status.ok()) break;
  }
  counting = false;
  EXPECT_EQ(allocations.load(), 0);
  EXPECT_GT(hits, 0u);
}

}  // namespace
}  // namespace straits::policy

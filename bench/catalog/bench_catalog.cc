// Classification throughput over the whole shipped catalog x every shipped
// regime. Classification sits inside placement's filter step, so it must never
// be what a placement decision waits on.
//
//   BM_DecideEccn          the allocation-free ECCN decision from precomputed figures
//   BM_DecideEccnFromSpec  the same, computing TPP/PD/I-O from the spec each time
//   BM_Classify            the full result with inequalities and reason text
//   BM_ClassifyAllOnDate   one model's report for a date (every regime + in force)
//
// items_per_second counts classifications (one model under one regime).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>

#include "catalog/classify.h"
#include "catalog/shipped.h"

namespace straits::catalog {
namespace {

struct World {
  Catalog catalog;
  std::vector<ClassificationRegime> regimes;
  std::vector<ChipFigures> figures;
};

const World& Shipped() {
  static const World world = [] {
    World w;
    Result<Catalog> catalog = LoadShippedCatalog();
    Result<std::vector<ClassificationRegime>> regimes = LoadShippedRegimes();
    if (!catalog.ok() || !regimes.ok()) {
      std::cerr << "shipped data does not load: " << catalog.status() << " " << regimes.status()
                << "\n";
      std::abort();
    }
    w.catalog = std::move(catalog).value();
    w.regimes = std::move(regimes).value();
    for (const AcceleratorSpec& spec : w.catalog.models()) {
      w.figures.push_back(ComputeFigures(spec));
    }
    return w;
  }();
  return world;
}

void BM_DecideEccn(benchmark::State& state) {
  const World& world = Shipped();
  int64_t count = 0;
  for (auto _ : state) {
    for (const ChipFigures& figures : world.figures) {
      for (const ClassificationRegime& regime : world.regimes) {
        benchmark::DoNotOptimize(DecideEccn(figures, regime));
        ++count;
      }
    }
  }
  state.SetItemsProcessed(count);
}
BENCHMARK(BM_DecideEccn);

void BM_DecideEccnFromSpec(benchmark::State& state) {
  const World& world = Shipped();
  int64_t count = 0;
  for (auto _ : state) {
    for (const AcceleratorSpec& spec : world.catalog.models()) {
      for (const ClassificationRegime& regime : world.regimes) {
        benchmark::DoNotOptimize(DecideEccn(ComputeFigures(spec), regime));
        ++count;
      }
    }
  }
  state.SetItemsProcessed(count);
}
BENCHMARK(BM_DecideEccnFromSpec);

void BM_Classify(benchmark::State& state) {
  const World& world = Shipped();
  int64_t count = 0;
  for (auto _ : state) {
    for (const ChipFigures& figures : world.figures) {
      for (const ClassificationRegime& regime : world.regimes) {
        Classification classification = Classify(figures, regime);
        benchmark::DoNotOptimize(classification.reason.data());
        ++count;
      }
    }
  }
  state.SetItemsProcessed(count);
}
BENCHMARK(BM_Classify);

void BM_ClassifyAllOnDate(benchmark::State& state) {
  const World& world = Shipped();
  const Instant date = *Instant::Parse("2025-06-01");
  int64_t count = 0;
  for (auto _ : state) {
    for (const AcceleratorSpec& spec : world.catalog.models()) {
      Result<ClassificationReport> report = ClassifyAll(spec, world.regimes, date);
      benchmark::DoNotOptimize(report.ok());
      count += static_cast<int64_t>(world.regimes.size());
    }
  }
  state.SetItemsProcessed(count);
}
BENCHMARK(BM_ClassifyAllOnDate);

void BM_LoadShippedCatalog(benchmark::State& state) {
  for (auto _ : state) {
    Result<Catalog> catalog = LoadShippedCatalog();
    benchmark::DoNotOptimize(catalog.ok());
  }
}
BENCHMARK(BM_LoadShippedCatalog)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace straits::catalog

BENCHMARK_MAIN();

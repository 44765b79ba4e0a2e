#include "catalog/tpp.h"

#include <algorithm>

namespace straits::catalog {

double Tpp(const AcceleratorSpec& spec) {
  // Entries are few (a handful of precisions, rarely more than one unit), so a
  // quadratic grouping by unit name beats any container and never allocates.
  const std::vector<Throughput>& entries = spec.throughputs;
  double total = 0;
  for (size_t idx = 0; idx < entries.size(); ++idx) {
    bool seen_before = false;
    for (size_t prev_idx = 0; prev_idx < idx && !seen_before; ++prev_idx) {
      seen_before = entries[prev_idx].unit == entries[idx].unit;
    }
    if (seen_before) continue;
    double unit_best = 0;
    for (size_t other_idx = idx; other_idx < entries.size(); ++other_idx) {
      const Throughput& t = entries[other_idx];
      if (t.unit != entries[idx].unit) continue;
      unit_best = std::max(unit_best, t.tops * t.bits * t.unit_count);
    }
    total += unit_best;
  }
  return total;
}

std::optional<double> ApplicableDieArea(const AcceleratorSpec& spec) {
  if (spec.die_area_mm2) return spec.die_area_mm2;
  if (spec.dies.empty()) return std::nullopt;
  double area = 0;
  for (const Die& die : spec.dies) area += die.area_mm2 * die.count;
  return area;
}

std::optional<double> PerformanceDensity(const AcceleratorSpec& spec) {
  std::optional<double> area = ApplicableDieArea(spec);
  if (!HasThroughput(spec) || !area || *area <= 0) return std::nullopt;
  return Tpp(spec) / *area;
}

std::optional<double> AggregateIoBidirGbps(const AcceleratorSpec& spec) {
  if (!spec.interconnect_bidir_gbps) return std::nullopt;
  return *spec.interconnect_bidir_gbps + spec.host_link_bidir_gbps.value_or(0.0);
}

ChipFigures ComputeFigures(const AcceleratorSpec& spec) {
  ChipFigures figures;
  if (HasThroughput(spec)) figures.tpp = Tpp(spec);
  figures.performance_density = PerformanceDensity(spec);
  figures.io_bidir_gbps = AggregateIoBidirGbps(spec);
  figures.datacenter = spec.datacenter;
  figures.item = spec.item;
  return figures;
}

}  // namespace straits::catalog

// Total Processing Performance and performance density, as the US export
// regulations define them (ECCN 3A090 Technical Notes, 88 FR 73458):
//
//   TPP = 2 x MacTOPS x bit length of the operation, aggregated over all
//         processing units of the IC; where an IC supports several bit lengths,
//         the highest value counts. Vendors already count a MAC as two
//         operations, so per precision TPP = dense TOPS x bits. Sparse rates
//         never count.
//   PD  = TPP / applicable die area (mm²): every logic die of the package.
//
// Processing units: entries with the same `unit` are alternative precisions of
// that unit (the highest TPP counts, times unit_count); different units add up.
// Dies: the applicable area is die_area_mm2, or the sum of dies x count.
//
// Thread-safety: pure functions. No allocation.
#pragma once

#include <optional>

#include "catalog/spec.h"

namespace straits::catalog {

// TPP; 0 when the spec lists no throughput (see HasThroughput).
double Tpp(const AcceleratorSpec& spec);

inline bool HasThroughput(const AcceleratorSpec& spec) { return !spec.throughputs.empty(); }

// die_area_mm2, else the sum over dies, else nullopt.
std::optional<double> ApplicableDieArea(const AcceleratorSpec& spec);

// TPP / applicable die area; nullopt if either is unknown.
std::optional<double> PerformanceDensity(const AcceleratorSpec& spec);

// Aggregate bidirectional I/O to integrated circuits other than volatile
// memory, the 2022 rule's second prong: interconnect plus host link (when the
// host link is given apart). nullopt when the interconnect is unknown.
std::optional<double> AggregateIoBidirGbps(const AcceleratorSpec& spec);

// The figures a classification needs, computed once per spec so that
// classifying against many regimes does no repeated work.
struct ChipFigures {
  std::optional<double> tpp;
  std::optional<double> performance_density;
  std::optional<double> io_bidir_gbps;
  std::optional<bool> datacenter;
  ItemKind item = ItemKind::kIntegratedCircuit;
};

ChipFigures ComputeFigures(const AcceleratorSpec& spec);

}  // namespace straits::catalog

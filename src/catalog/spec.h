// Accelerator specifications: the public numbers export controls are computed from.
//
// An AcceleratorSpec describes one accelerator model (one integrated circuit
// package, or a computer built around such ICs): its dense throughput per
// precision, its applicable die area, memory and I/O, and the source of each
// number. A number that is not known is std::nullopt, never a guess; the
// classifier reports which missing number it needed and what it could be.
//
//   AcceleratorSpec spec;
//   spec.name = "X1";
//   spec.datacenter = true;
//   spec.die_area_mm2 = 814.0;
//   spec.throughputs.push_back(Throughput::Dense("fp8", 8, 296.0));
//   STRAITS_RETURN_IF_ERROR(ValidateSpec(spec));
//
// Units: throughput in dense tera-operations per second (a multiply-accumulate
// counts as two operations, as vendors count it); areas in mm²; memory in GB;
// rates in gigabytes per second.
//
// Thread-safety: plain values.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/country.h"
#include "core/ids.h"
#include "core/status.h"

namespace straits::catalog {

// One precision of one processing unit, as a dense rate.
struct Throughput {
  std::string format;  // free text ("fp8", "bf16"); what counts is bits and tops
  int bits = 0;        // bit length of the operation (TF32 counts as 32)
  double tops = 0;     // dense tera-operations per second of one unit instance
  // Processing unit the rate belongs to; entries with the same unit are
  // alternatives (the highest counts), different units add up. Empty: the IC's
  // single compute complex.
  std::string unit;
  int unit_count = 1;  // identical instances of `unit` on the IC (e.g. 2 dies)
  std::string source;  // where the number comes from; may be empty for ad-hoc specs

  static Throughput Dense(std::string format, int bits, double tops, std::string unit = {},
                          int unit_count = 1) {
    return Throughput{std::move(format), bits, tops, std::move(unit), unit_count, {}};
  }
};

// One logic die (or several identical ones) of a multi-die package.
struct Die {
  std::string name;
  double area_mm2 = 0;
  int count = 1;
  std::string source;

  static Die Make(std::string name, double area_mm2, int count = 1) {
    return Die{std::move(name), area_mm2, count, {}};
  }
};

// What the spec describes: an IC (ECCN 3A090) or a computer, assembly or
// component containing such ICs (ECCN 4A090).
enum class ItemKind { kIntegratedCircuit, kComputer };

// "integrated_circuit" / "computer".
std::string_view ItemKindName(ItemKind kind);

struct AcceleratorSpec {
  ModelId id;  // empty for an ad-hoc spec (classify --spec, POST /v1/classify)
  std::string vendor;
  std::string name;                          // display name
  std::optional<Country> country_of_origin;  // of the design
  std::optional<int> year;
  // Designed or marketed for use in data centers. The 2023 density criteria
  // apply only to such ICs.
  std::optional<bool> datacenter;
  ItemKind item = ItemKind::kIntegratedCircuit;

  std::vector<Throughput> throughputs;  // empty: throughput unknown
  // Applicable die area: every logic die of the package. Either this total or
  // `dies` is given, never both.
  std::optional<double> die_area_mm2;
  std::vector<Die> dies;

  std::optional<double> memory_gb;
  std::optional<double> memory_bandwidth_gbps;
  // Aggregate bidirectional rate of the chip-to-chip links (NVLink, Infinity
  // Fabric, ...); for parts without such links, the host link.
  std::optional<double> interconnect_bidir_gbps;
  // Host interface (PCIe) when the source names it apart from the interconnect.
  std::optional<double> host_link_bidir_gbps;

  // TPP and performance density as a named source published them (checks only).
  std::optional<double> published_tpp;
  std::optional<double> published_pd;

  std::string notes;
  // Source of each scalar number above, keyed by field name ("die_area_mm2").
  // Throughputs and dies carry their own.
  std::map<std::string, std::string, std::less<>> sources;

  // The id when set, otherwise the name: what reports call "model".
  const std::string& DisplayId() const { return id.empty() ? name : id.str(); }
};

// Checks the values a parser or the API filled in. Returns invalid_argument
// whose field is the path of the first bad value ("throughput[1].bits",
// "die_area_mm2") for: no throughput entry; bits outside 1..256; tops not a
// finite positive number; unit_count below 1, or differing between entries of
// one unit; a negative, zero or non-finite die area, die entry, memory or rate
// (interconnect and host link may be 0); both die_area_mm2 and dies; an empty
// name. `require_throughput` false admits catalog entries whose throughput is
// not published.
Status ValidateSpec(const AcceleratorSpec& spec, bool require_throughput = true);

}  // namespace straits::catalog

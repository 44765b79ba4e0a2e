// The spec file format of `straits classify --spec FILE.toml`, for a chip that
// is not in the catalog (docs/spec-format.md):
//
//   vendor = "Example"
//   model = "X1"
//   datacenter = true
//   die_area_mm2 = 814.0
//   interconnect_bidir_gbps = 900.0
//   [[throughput]]      # dense, one entry per precision
//   format = "fp8"
//   bits = 8
//   tops = 296.0
//
// Optional keys: id, country_of_origin, year, item ("integrated_circuit" or
// "computer"), [[die]] entries instead of die_area_mm2, memory_gb,
// memory_bandwidth_gbps, host_link_bidir_gbps, notes; per throughput: unit,
// units, source. Numbers may also be written { value = 814.0, source = "..." }.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "catalog/spec.h"
#include "core/status.h"

namespace straits::catalog {

// Parses and validates a spec file. Returns invalid_argument with field
// "SOURCE:LINE:COL" and a message naming the key and what is accepted, for:
// TOML syntax errors, unknown keys, wrong types (a string where a number
// belongs), a missing `model`, no [[throughput]] entry, and every value
// ValidateSpec rejects (negative, zero die area, bits out of range, ...).
Result<AcceleratorSpec> ParseSpecToml(std::string_view text, std::string_view source_name);

}  // namespace straits::catalog

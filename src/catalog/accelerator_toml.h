// Internal to catalog/: reads one accelerator description from a TOML table,
// shared by the catalog file ([[accelerator]] entries) and the --spec format.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "catalog/spec.h"
#include "catalog/toml_reader.h"

namespace straits::catalog::internal {

enum class AcceleratorTableMode {
  // data/accelerators.toml: id, vendor, name, country_of_origin and datacenter
  // required; every number in { value, source } form; throughput may be absent.
  kCatalogEntry,
  // A --spec file: `model` names it; plain numbers; throughput required.
  kSpecFile,
};

// Reads `table` (at `path`, "" for the root) into a spec and validates it.
// Errors are invalid_argument at SOURCE:LINE:COL of the offending value.
Result<AcceleratorSpec> ReadAcceleratorTable(const TomlReader& reader, const toml::table& table,
                                             std::string_view path, AcceleratorTableMode mode);

}  // namespace straits::catalog::internal

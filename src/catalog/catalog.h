// The accelerator catalog: every model Straits knows, with its public numbers.
//
//   STRAITS_ASSIGN_OR_RETURN(Catalog catalog, LoadShippedCatalog());  // catalog/shipped.h
//   const AcceleratorSpec* h20 = catalog.Find(*ModelId::Parse("h20"));
//   double tpp = Tpp(*h20);                                           // catalog/tpp.h
//
// File format (data/accelerators.toml, docs/spec-format.md): optional
// top-level `title` and `sources`, then one [[accelerator]] table per model
// with id, vendor, name, country_of_origin, datacenter, optional year and item,
// `throughput` entries (format, bits, tops, source) and numbers written as
// { value = ..., source = "..." }: every catalog number names its source.
//
// Thread-safety: immutable after construction; safe to share across threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/spec.h"
#include "core/ids.h"
#include "core/status.h"

namespace straits::catalog {

class Catalog {
 public:
  Catalog() = default;

  // Parses a catalog file. Returns invalid_argument with field
  // "SOURCE:LINE:COL" for TOML syntax errors, unknown keys (at the top level or
  // in an entry), missing required keys, a number without its source, invalid
  // values (see ValidateSpec) and duplicate ids.
  static Result<Catalog> FromToml(std::string_view text, std::string_view source_name);

  // Builds a catalog from specs already validated by the caller. Returns
  // invalid_argument for an empty or duplicate id.
  static Result<Catalog> FromSpecs(std::vector<AcceleratorSpec> models);

  // The model with `id`, or nullptr. The pointer lives as long as the catalog.
  const AcceleratorSpec* Find(const ModelId& id) const;
  // Every model, in file order.
  const std::vector<AcceleratorSpec>& models() const { return models_; }
  const std::string& title() const { return title_; }
  const std::vector<std::string>& sources() const { return sources_; }

 private:
  std::vector<AcceleratorSpec> models_;
  std::unordered_map<ModelId, size_t> index_;
  std::string title_;
  std::vector<std::string> sources_;
};

}  // namespace straits::catalog

// The catalog and classification regimes shipped inside the binary: the
// verbatim data/accelerators.toml and every data/policy/*.toml present at build
// time, compiled in by straits_embed. Kept out of straits_catalog so that pure
// users (tests, benchmarks, the policy engine) need not link the bytes.
//
// Each call parses the embedded text afresh (about a millisecond for the
// catalog); callers load once at startup and keep the result.
//
// Thread-safety: pure functions over immutable embedded data.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/regime.h"
#include "core/status.h"

namespace straits::catalog {

// An embedded data file: its path relative to the repository and its bytes.
struct ShippedFile {
  std::string_view path;  // "data/policy/us-ear-2023-10.toml"
  std::string_view text;
};

// Every embedded rule pack, sorted by path. The compliance engine parses the
// same files for its own tables.
std::span<const ShippedFile> ShippedPolicyPacks();

// Parses the embedded data/accelerators.toml. An error here is a build defect
// (the tests parse the same file): internal, with the parser's message.
Result<Catalog> LoadShippedCatalog();

// Parses the [classification] table of every embedded pack that has one (packs
// without it are skipped), sorted by effective date. Returns internal when a
// pack does not parse, when its id differs from its file name, or when two
// packs share an id.
Result<std::vector<ClassificationRegime>> LoadShippedRegimes();

}  // namespace straits::catalog

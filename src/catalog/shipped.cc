#include "catalog/shipped.h"

#include <algorithm>
#include <string>

#include "catalog/shipped_files.h"

namespace straits::embedded {
extern const std::string_view kAcceleratorsToml;
}  // namespace straits::embedded

namespace straits::catalog {
namespace {

Status AsInternal(const Status& status) {
  return Internal("shipped data is invalid: " + status.field() + ": " + status.message());
}

}  // namespace

std::span<const ShippedFile> ShippedPolicyPacks() { return internal::ShippedPolicyPackTable(); }

Result<Catalog> LoadShippedCatalog() {
  Result<Catalog> catalog =
      Catalog::FromToml(embedded::kAcceleratorsToml, "data/accelerators.toml");
  if (!catalog.ok()) return AsInternal(catalog.status());
  return catalog;
}

Result<std::vector<ClassificationRegime>> LoadShippedRegimes() {
  std::vector<ClassificationRegime> regimes;
  for (const ShippedFile& file : ShippedPolicyPacks()) {
    Result<ClassificationRegime> regime = ParseRegimeToml(file.text, file.path);
    if (!regime.ok()) {
      if (regime.status().code() == StatusCode::kFailedPrecondition) continue;  // no thresholds
      return AsInternal(regime.status());
    }
    std::string_view stem = file.path.substr(file.path.rfind('/') + 1);
    stem.remove_suffix(std::string_view(".toml").size());
    if (regime->id != stem) {
      return Internal("shipped data is invalid: " + std::string(file.path) + ": id \"" +
                      regime->id + "\" differs from the file name");
    }
    for (const ClassificationRegime& other : regimes) {
      if (other.id == regime->id) {
        return Internal("shipped data is invalid: duplicate regime id \"" + regime->id + "\"");
      }
    }
    regimes.push_back(std::move(regime).value());
  }
  std::stable_sort(regimes.begin(), regimes.end(),
                   [](const ClassificationRegime& a, const ClassificationRegime& b) {
                     return a.effective < b.effective;
                   });
  return regimes;
}

}  // namespace straits::catalog

#include "policy/shipped.h"

#include "catalog/shipped.h"

namespace straits::embedded {
extern const std::string_view kEntityListCsv;
}  // namespace straits::embedded

namespace straits::policy {
namespace {

Status AsInternalStatus(const Status& status) {
  return Internal("shipped data is invalid: " + status.field() + ": " + status.message());
}

}  // namespace

Result<std::vector<Pack>> LoadShippedPacks() {
  std::vector<PackSource> sources;
  for (const catalog::ShippedFile& file : catalog::ShippedPolicyPacks()) {
    sources.push_back(PackSource{file.path, file.text});
  }
  Result<std::vector<Pack>> packs = LoadPacks(sources);
  if (!packs.ok()) return AsInternalStatus(packs.status());
  for (const Pack& pack : *packs) {
    std::string_view stem = pack.source_name;
    stem = stem.substr(stem.rfind('/') + 1);
    if (stem != pack.id + ".toml") {
      return Internal("shipped data is invalid: " + pack.source_name + ": id \"" + pack.id +
                      "\" differs from the file name");
    }
  }
  return packs;
}

Result<Engine> LoadShippedEngine() {
  STRAITS_ASSIGN_OR_RETURN(std::vector<Pack> packs, LoadShippedPacks());
  Result<catalog::Catalog> catalog = catalog::LoadShippedCatalog();
  if (!catalog.ok()) return catalog.status();
  return Engine::Create(std::move(packs), *catalog);
}

Result<std::vector<ListEntry>> LoadShippedListEntries() {
  Result<std::vector<ListEntry>> entries =
      ParseListCsv(embedded::kEntityListCsv, "data/lists/entity-list.csv");
  if (!entries.ok()) return AsInternalStatus(entries.status());
  return entries;
}

Result<Screener> LoadShippedScreener(std::vector<Clearance> clearances, double threshold) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<ListEntry> entries, LoadShippedListEntries());
  return Screener::Create(std::move(entries), std::move(clearances), threshold);
}

}  // namespace straits::policy

#include "catalog/catalog.h"

#include "catalog/accelerator_toml.h"
#include "catalog/toml_reader.h"

namespace straits::catalog {

Result<Catalog> Catalog::FromToml(std::string_view text, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, source_name));
  internal::TomlReader reader(source_name);
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys(root, "", {"title", "sources", "accelerator"}));
  Catalog catalog;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> title,
                           reader.String(root, "", "title", false));
  catalog.title_ = title.value_or("");
  STRAITS_ASSIGN_OR_RETURN(catalog.sources_, reader.StringArray(root, "", "sources", false));
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> entries,
                           reader.TableArray(root, "", "accelerator"));
  for (size_t idx = 0; idx < entries.size(); ++idx) {
    const std::string path = internal::IndexPath("accelerator", idx);
    STRAITS_ASSIGN_OR_RETURN(
        AcceleratorSpec spec,
        internal::ReadAcceleratorTable(reader, *entries[idx], path,
                                       internal::AcceleratorTableMode::kCatalogEntry));
    auto [it, inserted] = catalog.index_.emplace(spec.id, catalog.models_.size());
    if (!inserted) {
      return reader.Error(*entries[idx]->get("id"), path + ".id",
                          "duplicate id \"" + spec.id.str() + "\" (first used by accelerator[" +
                              std::to_string(it->second) + "])");
    }
    catalog.models_.push_back(std::move(spec));
  }
  return catalog;
}

Result<Catalog> Catalog::FromSpecs(std::vector<AcceleratorSpec> models) {
  Catalog catalog;
  for (size_t idx = 0; idx < models.size(); ++idx) {
    const std::string path = "accelerator[" + std::to_string(idx) + "].id";
    if (models[idx].id.empty()) return InvalidArgument("every catalog model needs an id", path);
    if (!catalog.index_.emplace(models[idx].id, idx).second) {
      return InvalidArgument("duplicate id \"" + models[idx].id.str() + "\"", path);
    }
  }
  catalog.models_ = std::move(models);
  return catalog;
}

const AcceleratorSpec* Catalog::Find(const ModelId& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &models_[it->second];
}

}  // namespace straits::catalog

#include "catalog/accelerator_toml.h"

#include <cstdint>
#include <limits>
#include <string>

namespace straits::catalog::internal {
namespace {

using Mode = AcceleratorTableMode;

// Reads a bounded integer (bits, counts) so that a huge TOML integer is an
// error rather than a silent narrowing.
Result<std::optional<int>> SmallInt(const TomlReader& reader, const toml::table& table,
                                    std::string_view path, std::string_view key, bool required) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<int64_t> value,
                           reader.Integer(table, path, key, required));
  if (!value) return std::optional<int>();
  if (*value < std::numeric_limits<int>::min() || *value > std::numeric_limits<int>::max()) {
    return reader.Error(*table.get(key), JoinPath(path, key),
                        "is out of range: " + std::to_string(*value));
  }
  return std::optional<int>(static_cast<int>(*value));
}

Status ReadThroughputs(const TomlReader& reader, const toml::table& table, std::string_view path,
                       Mode mode, AcceleratorSpec& spec) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> entries,
                           reader.TableArray(table, path, "throughput"));
  const std::string array_path = JoinPath(path, "throughput");
  for (size_t idx = 0; idx < entries.size(); ++idx) {
    const toml::table& entry = *entries[idx];
    const std::string entry_path = IndexPath(array_path, idx);
    STRAITS_RETURN_IF_ERROR(
        reader.CheckKeys(entry, entry_path, {"format", "bits", "tops", "unit", "units", "source"}));
    Throughput t;
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> format,
                             reader.String(entry, entry_path, "format", false));
    t.format = format.value_or("");
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> bits,
                             SmallInt(reader, entry, entry_path, "bits", true));
    t.bits = *bits;
    STRAITS_ASSIGN_OR_RETURN(t.tops, reader.RequiredNumber(entry, entry_path, "tops"));
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> unit,
                             reader.String(entry, entry_path, "unit", false));
    t.unit = unit.value_or("");
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> units,
                             SmallInt(reader, entry, entry_path, "units", false));
    t.unit_count = units.value_or(1);
    const bool need_source = mode == Mode::kCatalogEntry;
    if (need_source || entry.get("source")) {
      STRAITS_ASSIGN_OR_RETURN(t.source, reader.RequiredString(entry, entry_path, "source"));
    }
    if (need_source && t.source.empty()) {
      return reader.Error(*entry.get("source"), JoinPath(entry_path, "source"),
                          "must not be empty");
    }
    spec.throughputs.push_back(std::move(t));
  }
  return Status::Ok();
}

Status ReadDies(const TomlReader& reader, const toml::table& table, std::string_view path,
                AcceleratorSpec& spec) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> entries,
                           reader.TableArray(table, path, "die"));
  const std::string array_path = JoinPath(path, "die");
  for (size_t idx = 0; idx < entries.size(); ++idx) {
    const toml::table& entry = *entries[idx];
    const std::string entry_path = IndexPath(array_path, idx);
    STRAITS_RETURN_IF_ERROR(
        reader.CheckKeys(entry, entry_path, {"name", "area_mm2", "count", "source"}));
    Die die;
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> name,
                             reader.String(entry, entry_path, "name", false));
    die.name = name.value_or("");
    STRAITS_ASSIGN_OR_RETURN(die.area_mm2, reader.RequiredNumber(entry, entry_path, "area_mm2"));
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> count,
                             SmallInt(reader, entry, entry_path, "count", false));
    die.count = count.value_or(1);
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> source,
                             reader.String(entry, entry_path, "source", false));
    die.source = source.value_or("");
    spec.dies.push_back(std::move(die));
  }
  return Status::Ok();
}

// The TOML node a ValidateSpec field path refers to, for its location.
const toml::node* NodeForField(const toml::table& table, std::string_view field, Mode mode) {
  std::string key(field);
  if (mode == Mode::kSpecFile && key == "name") key = "model";
  toml::node_view<const toml::node> view = toml::at_path(table, key);
  if (view) return view.node();
  // "die" (both forms given) and similar: fall back to the first path segment.
  size_t cut = key.find_first_of(".[");
  if (cut != std::string::npos) {
    view = toml::at_path(table, key.substr(0, cut));
    if (view) return view.node();
  }
  return &table;
}

}  // namespace

Result<AcceleratorSpec> ReadAcceleratorTable(const TomlReader& reader, const toml::table& table,
                                             std::string_view path, AcceleratorTableMode mode) {
  const bool catalog = mode == Mode::kCatalogEntry;
  if (catalog) {
    STRAITS_RETURN_IF_ERROR(reader.CheckKeys(
        table, path,
        {"id", "vendor", "name", "country_of_origin", "year", "datacenter", "item", "throughput",
         "die", "die_area_mm2", "memory_gb", "memory_bandwidth_gbps", "interconnect_bidir_gbps",
         "host_link_bidir_gbps", "published_tpp", "published_pd", "notes"}));
  } else {
    STRAITS_RETURN_IF_ERROR(reader.CheckKeys(
        table, path,
        {"id", "vendor", "model", "country_of_origin", "year", "datacenter", "item", "throughput",
         "die", "die_area_mm2", "memory_gb", "memory_bandwidth_gbps", "interconnect_bidir_gbps",
         "host_link_bidir_gbps", "notes"}));
  }

  AcceleratorSpec spec;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> id,
                           reader.String(table, path, "id", catalog));
  if (id) {
    Result<ModelId> parsed = ModelId::Parse(*id);
    if (!parsed.ok()) {
      return reader.Error(*table.get("id"), JoinPath(path, "id"), parsed.status().message());
    }
    spec.id = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> vendor,
                           reader.String(table, path, "vendor", catalog));
  spec.vendor = vendor.value_or("");
  const std::string_view name_key = catalog ? "name" : "model";
  STRAITS_ASSIGN_OR_RETURN(spec.name, reader.RequiredString(table, path, name_key));
  if (spec.name.empty()) {
    return reader.Error(*table.get(name_key), JoinPath(path, name_key), "must not be empty");
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> origin,
                           reader.String(table, path, "country_of_origin", catalog));
  if (origin) {
    Result<Country> country = Country::Parse(*origin);
    if (!country.ok()) {
      return reader.Error(*table.get("country_of_origin"), JoinPath(path, "country_of_origin"),
                          country.status().message());
    }
    spec.country_of_origin = *country;
  }
  STRAITS_ASSIGN_OR_RETURN(spec.year, SmallInt(reader, table, path, "year", false));
  STRAITS_ASSIGN_OR_RETURN(spec.datacenter, reader.Bool(table, path, "datacenter", catalog));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> item,
                           reader.String(table, path, "item", false));
  if (item) {
    if (*item == "integrated_circuit") {
      spec.item = ItemKind::kIntegratedCircuit;
    } else if (*item == "computer") {
      spec.item = ItemKind::kComputer;
    } else {
      return reader.Error(
          *table.get("item"), JoinPath(path, "item"),
          "must be \"integrated_circuit\" or \"computer\", found \"" + *item + "\"");
    }
  }
  STRAITS_RETURN_IF_ERROR(ReadThroughputs(reader, table, path, mode, spec));
  STRAITS_RETURN_IF_ERROR(ReadDies(reader, table, path, spec));

  struct NumberField {
    std::string_view key;
    std::optional<double>* target;
  };
  const NumberField fields[] = {
      {"die_area_mm2", &spec.die_area_mm2},
      {"memory_gb", &spec.memory_gb},
      {"memory_bandwidth_gbps", &spec.memory_bandwidth_gbps},
      {"interconnect_bidir_gbps", &spec.interconnect_bidir_gbps},
      {"host_link_bidir_gbps", &spec.host_link_bidir_gbps},
      {"published_tpp", &spec.published_tpp},
      {"published_pd", &spec.published_pd},
  };
  for (const NumberField& field : fields) {
    STRAITS_ASSIGN_OR_RETURN(std::optional<SourcedValue> value,
                             reader.Sourced(table, path, field.key, catalog));
    if (!value) continue;
    *field.target = value->value;
    if (!value->source.empty()) spec.sources.emplace(field.key, value->source);
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> notes,
                           reader.String(table, path, "notes", false));
  spec.notes = notes.value_or("");

  Status valid = ValidateSpec(spec, /*require_throughput=*/!catalog);
  if (!valid.ok()) {
    std::string message = valid.message();
    if (!catalog && message.starts_with("name ")) message.replace(0, 4, "model");
    const toml::node* at = NodeForField(table, valid.field(), mode);
    std::string prefixed = path.empty() ? message : std::string(path) + "." + message;
    return InvalidArgument(std::move(prefixed), reader.Location(*at));
  }
  return spec;
}

}  // namespace straits::catalog::internal

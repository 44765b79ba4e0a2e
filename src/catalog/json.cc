#include "catalog/json.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace straits::catalog {
namespace {

namespace json = boost::json;

json::value OptionalNumber(const std::optional<double>& value) {
  if (!value) return nullptr;
  return *value;
}

json::array EccnArray(const std::vector<Eccn>& eccns) {
  json::array out;
  for (Eccn eccn : eccns) out.emplace_back(EccnName(eccn));
  return out;
}

json::object CriterionToJson(const CriterionResult& result) {
  json::array inequalities;
  for (const InequalityResult& inequality : result.Inequalities()) {
    inequalities.push_back(json::object{
        {"quantity", QuantityKey(inequality.quantity)},
        {"relation", RelationSymbol(inequality.relation)},
        {"threshold", inequality.threshold},
        {"value", OptionalNumber(inequality.value)},
        {"holds", TruthName(inequality.holds)},
    });
  }
  return json::object{
      {"paragraph", result.paragraph},
      {"eccn", EccnName(result.eccn)},
      {"scope", result.scope == Scope::kAll ? "all" : "datacenter"},
      {"in_scope", TruthName(result.in_scope)},
      {"holds", TruthName(result.holds)},
      {"inequalities", std::move(inequalities)},
      {"source", result.source},
  };
}

// Reads JSON the way the TOML spec reader reads TOML, with JSON paths.
class JsonReader {
 public:
  static Status Error(std::string path, std::string_view message) {
    return InvalidArgument(path + ": " + std::string(message), path);
  }

  static std::string Join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
  }

  static std::string_view TypeName(const json::value& value) {
    switch (value.kind()) {
      case json::kind::null:
        return "null";
      case json::kind::bool_:
        return "a boolean";
      case json::kind::int64:
      case json::kind::uint64:
      case json::kind::double_:
        return "a number";
      case json::kind::string:
        return "a string";
      case json::kind::array:
        return "an array";
      case json::kind::object:
        return "an object";
    }
    return "a value";
  }

  static Status CheckKeys(const json::object& object, std::string_view path,
                          std::initializer_list<std::string_view> allowed) {
    for (const auto& entry : object) {
      bool known = false;
      for (std::string_view name : allowed) known = known || entry.key() == name;
      if (known) continue;
      std::string list;
      for (std::string_view name : allowed) {
        if (!list.empty()) list += ", ";
        list += name;
      }
      return Error(Join(path, entry.key()),
                   "unknown key \"" + std::string(entry.key()) + "\" (accepted: " + list + ")");
    }
    return Status::Ok();
  }

  static Result<std::optional<std::string>> String(const json::object& object,
                                                   std::string_view path, std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (!value || value->is_null()) return std::optional<std::string>();
    if (!value->is_string()) {
      return Error(Join(path, key), "must be a string, found " + std::string(TypeName(*value)));
    }
    return std::optional<std::string>(std::string(value->get_string()));
  }

  static Result<std::optional<double>> Number(const json::object& object, std::string_view path,
                                              std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (!value || value->is_null()) return std::optional<double>();
    if (!value->is_number()) {
      return Error(Join(path, key), "must be a number, found " + std::string(TypeName(*value)));
    }
    return std::optional<double>(value->to_number<double>());
  }

  // An integer; an integral double (8.0) is accepted, 8.5 is not.
  static Result<std::optional<int>> Integer(const json::object& object, std::string_view path,
                                            std::string_view key) {
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> number, Number(object, path, key));
    if (!number) return std::optional<int>();
    if (std::trunc(*number) != *number || std::abs(*number) > std::numeric_limits<int>::max()) {
      return Error(Join(path, key), "must be an integer");
    }
    return std::optional<int>(static_cast<int>(*number));
  }

  static Result<std::optional<bool>> Bool(const json::object& object, std::string_view path,
                                          std::string_view key) {
    const json::value* value = object.if_contains(key);
    if (!value || value->is_null()) return std::optional<bool>();
    if (!value->is_bool()) {
      return Error(Join(path, key),
                   "must be true or false, found " + std::string(TypeName(*value)));
    }
    return std::optional<bool>(value->get_bool());
  }

  static Result<std::vector<const json::object*>> Objects(const json::object& object,
                                                          std::string_view key) {
    std::vector<const json::object*> out;
    const json::value* value = object.if_contains(key);
    if (!value || value->is_null()) return out;
    if (!value->is_array()) {
      return Error(std::string(key),
                   "must be an array of objects, found " + std::string(TypeName(*value)));
    }
    const json::array& array = value->get_array();
    for (size_t idx = 0; idx < array.size(); ++idx) {
      if (!array[idx].is_object()) {
        return Error(std::string(key) + "[" + std::to_string(idx) + "]",
                     "must be an object, found " + std::string(TypeName(array[idx])));
      }
      out.push_back(&array[idx].get_object());
    }
    return out;
  }
};

}  // namespace

json::object ClassificationToJson(const Classification& classification) {
  json::array criteria;
  for (const CriterionResult& result : classification.criteria) {
    criteria.push_back(CriterionToJson(result));
  }
  json::array missing;
  for (const std::string& field : classification.missing) missing.emplace_back(field);
  return json::object{
      {"regime", classification.regime_id},
      {"in_force", classification.in_force},
      {"eccn", EccnName(classification.eccn)},
      {"reason", classification.reason},
      {"possible_eccns", EccnArray(classification.possible_eccns)},
      {"missing", std::move(missing)},
      {"criteria", std::move(criteria)},
  };
}

json::object ReportToJson(const ClassificationReport& report) {
  json::array by_regime;
  for (const Classification& classification : report.by_regime) {
    by_regime.push_back(ClassificationToJson(classification));
  }
  json::object out{
      {"model", report.model},
      {"vendor", report.vendor},
      {"name", report.name},
      {"tpp", OptionalNumber(report.tpp)},
      {"performance_density", OptionalNumber(report.performance_density)},
      {"date", report.date.DateString()},
      {"regime_in_force", nullptr},
      {"eccn", EccnName(report.eccn)},
      {"reason", report.reason},
      {"by_regime", std::move(by_regime)},
  };
  if (!report.regime_in_force.empty()) out["regime_in_force"] = report.regime_in_force;
  return out;
}

json::object SpecToJson(const AcceleratorSpec& spec) {
  json::array throughputs;
  for (const Throughput& t : spec.throughputs) {
    json::object entry{{"format", t.format}, {"bits", t.bits}, {"tops", t.tops}};
    if (!t.unit.empty()) entry["unit"] = t.unit;
    if (t.unit_count != 1) entry["units"] = t.unit_count;
    entry["source"] = t.source;
    throughputs.push_back(std::move(entry));
  }
  json::array dies;
  for (const Die& die : spec.dies) {
    dies.push_back(json::object{{"name", die.name},
                                {"area_mm2", die.area_mm2},
                                {"count", die.count},
                                {"source", die.source}});
  }
  json::object sources;
  for (const auto& [field, source] : spec.sources) sources[field] = source;
  json::object out{
      {"id", spec.id.str()},
      {"vendor", spec.vendor},
      {"name", spec.name},
      {"country_of_origin", nullptr},
      {"year", nullptr},
      {"datacenter", nullptr},
      {"item", ItemKindName(spec.item)},
      {"throughput", std::move(throughputs)},
      {"die_area_mm2", OptionalNumber(spec.die_area_mm2)},
      {"memory_gb", OptionalNumber(spec.memory_gb)},
      {"memory_bandwidth_gbps", OptionalNumber(spec.memory_bandwidth_gbps)},
      {"interconnect_bidir_gbps", OptionalNumber(spec.interconnect_bidir_gbps)},
      {"host_link_bidir_gbps", OptionalNumber(spec.host_link_bidir_gbps)},
      {"published_tpp", OptionalNumber(spec.published_tpp)},
      {"published_pd", OptionalNumber(spec.published_pd)},
      {"tpp", nullptr},
      {"performance_density", OptionalNumber(PerformanceDensity(spec))},
      {"sources", std::move(sources)},
      {"notes", spec.notes},
  };
  if (!dies.empty()) out["die"] = std::move(dies);
  if (spec.country_of_origin) out["country_of_origin"] = spec.country_of_origin->code();
  if (spec.year) out["year"] = *spec.year;
  if (spec.datacenter) out["datacenter"] = *spec.datacenter;
  if (HasThroughput(spec)) out["tpp"] = Tpp(spec);
  return out;
}

json::object SummaryToJson(const AcceleratorSpec& spec,
                           std::span<const ClassificationRegime> regimes, Instant date) {
  const ClassificationRegime* in_force = RegimeInForce(regimes, date);
  const ChipFigures figures = ComputeFigures(spec);
  json::object out{
      {"id", spec.id.str()},
      {"vendor", spec.vendor},
      {"name", spec.name},
      {"datacenter", nullptr},
      {"tpp", OptionalNumber(figures.tpp)},
      {"performance_density", OptionalNumber(figures.performance_density)},
      {"date", date.DateString()},
      {"regime", nullptr},
      {"eccn", EccnName(Eccn::kNot3A090)},
  };
  if (spec.datacenter) out["datacenter"] = *spec.datacenter;
  if (in_force) {
    out["regime"] = in_force->id;
    out["eccn"] = EccnName(DecideEccn(figures, *in_force).eccn);
  }
  return out;
}

Result<AcceleratorSpec> SpecFromJson(const json::value& body) {
  using R = JsonReader;
  if (!body.is_object()) {
    return InvalidArgument("the spec must be a JSON object, found " +
                           std::string(R::TypeName(body)));
  }
  const json::object& object = body.get_object();
  STRAITS_RETURN_IF_ERROR(
      R::CheckKeys(object, "",
                   {"id", "vendor", "model", "country_of_origin", "year", "datacenter", "item",
                    "throughput", "die", "die_area_mm2", "memory_gb", "memory_bandwidth_gbps",
                    "interconnect_bidir_gbps", "host_link_bidir_gbps", "notes"}));
  AcceleratorSpec spec;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> model, R::String(object, "", "model"));
  if (!model) return R::Error("model", "missing required key \"model\"");
  spec.name = std::move(*model);
  if (spec.name.empty()) return R::Error("model", "must not be empty");
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> id, R::String(object, "", "id"));
  if (id) {
    Result<ModelId> parsed = ModelId::Parse(*id);
    if (!parsed.ok()) return R::Error("id", parsed.status().message());
    spec.id = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> vendor, R::String(object, "", "vendor"));
  spec.vendor = vendor.value_or("");
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> origin,
                           R::String(object, "", "country_of_origin"));
  if (origin) {
    Result<Country> country = Country::Parse(*origin);
    if (!country.ok()) return R::Error("country_of_origin", country.status().message());
    spec.country_of_origin = *country;
  }
  STRAITS_ASSIGN_OR_RETURN(spec.year, R::Integer(object, "", "year"));
  STRAITS_ASSIGN_OR_RETURN(spec.datacenter, R::Bool(object, "", "datacenter"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> item, R::String(object, "", "item"));
  if (item) {
    if (*item == "integrated_circuit") {
      spec.item = ItemKind::kIntegratedCircuit;
    } else if (*item == "computer") {
      spec.item = ItemKind::kComputer;
    } else {
      return R::Error("item",
                      "must be \"integrated_circuit\" or \"computer\", found \"" + *item + "\"");
    }
  }

  STRAITS_ASSIGN_OR_RETURN(std::vector<const json::object*> throughputs,
                           R::Objects(object, "throughput"));
  for (size_t idx = 0; idx < throughputs.size(); ++idx) {
    const json::object& entry = *throughputs[idx];
    const std::string path = "throughput[" + std::to_string(idx) + "]";
    STRAITS_RETURN_IF_ERROR(
        R::CheckKeys(entry, path, {"format", "bits", "tops", "unit", "units", "source"}));
    Throughput t;
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> format, R::String(entry, path, "format"));
    t.format = format.value_or("");
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> bits, R::Integer(entry, path, "bits"));
    if (!bits) return R::Error(path + ".bits", "missing required key \"bits\"");
    t.bits = *bits;
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> tops, R::Number(entry, path, "tops"));
    if (!tops) return R::Error(path + ".tops", "missing required key \"tops\"");
    t.tops = *tops;
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> unit, R::String(entry, path, "unit"));
    t.unit = unit.value_or("");
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> units, R::Integer(entry, path, "units"));
    t.unit_count = units.value_or(1);
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> source, R::String(entry, path, "source"));
    t.source = source.value_or("");
    spec.throughputs.push_back(std::move(t));
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<const json::object*> dies, R::Objects(object, "die"));
  for (size_t idx = 0; idx < dies.size(); ++idx) {
    const json::object& entry = *dies[idx];
    const std::string path = "die[" + std::to_string(idx) + "]";
    STRAITS_RETURN_IF_ERROR(R::CheckKeys(entry, path, {"name", "area_mm2", "count", "source"}));
    Die die;
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> name, R::String(entry, path, "name"));
    die.name = name.value_or("");
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> area, R::Number(entry, path, "area_mm2"));
    if (!area) return R::Error(path + ".area_mm2", "missing required key \"area_mm2\"");
    die.area_mm2 = *area;
    STRAITS_ASSIGN_OR_RETURN(std::optional<int> count, R::Integer(entry, path, "count"));
    die.count = count.value_or(1);
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> source, R::String(entry, path, "source"));
    die.source = source.value_or("");
    spec.dies.push_back(std::move(die));
  }
  STRAITS_ASSIGN_OR_RETURN(spec.die_area_mm2, R::Number(object, "", "die_area_mm2"));
  STRAITS_ASSIGN_OR_RETURN(spec.memory_gb, R::Number(object, "", "memory_gb"));
  STRAITS_ASSIGN_OR_RETURN(spec.memory_bandwidth_gbps,
                           R::Number(object, "", "memory_bandwidth_gbps"));
  STRAITS_ASSIGN_OR_RETURN(spec.interconnect_bidir_gbps,
                           R::Number(object, "", "interconnect_bidir_gbps"));
  STRAITS_ASSIGN_OR_RETURN(spec.host_link_bidir_gbps,
                           R::Number(object, "", "host_link_bidir_gbps"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> notes, R::String(object, "", "notes"));
  spec.notes = notes.value_or("");

  Status valid = ValidateSpec(spec);
  if (!valid.ok()) {
    if (valid.field() == "name") return R::Error("model", "must not be empty");
    return valid;
  }
  return spec;
}

}  // namespace straits::catalog

// Accelerators and their export classification.
#include <algorithm>

#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "catalog/classify.h"
#include "catalog/json.h"

namespace straits::api {
namespace {

// ?date=YYYY-MM-DD (or a full UTC time); today when absent.
Result<Instant> DateFromQuery(const Context& ctx) {
  const std::string* text = ctx.request.Query("date");
  if (!text) return ctx.services.clock.Now();
  Result<Instant> date = Instant::Parse(*text);
  if (!date.ok()) return InvalidArgument(date.status().message(), "date");
  return date;
}

std::vector<std::string> RegimesFromQuery(const Context& ctx) {
  std::vector<std::string> ids;
  auto [begin, end] = ctx.request.query.equal_range("regime");
  for (auto it = begin; it != end; ++it) ids.push_back(it->second);
  return ids;
}

Result<const catalog::AcceleratorSpec*> FindModel(const Context& ctx) {
  const std::string& text = ctx.params.at("id");
  Result<ModelId> id = ModelId::Parse(text);
  const catalog::AcceleratorSpec* spec = id.ok() ? ctx.services.catalog.Find(*id) : nullptr;
  if (!spec) return NotFound("no accelerator model \"" + text + "\"", "id");
  return spec;
}

Result<Response> ListAccelerators(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateFromQuery(ctx));
  std::vector<const catalog::AcceleratorSpec*> models;
  for (const catalog::AcceleratorSpec& spec : ctx.services.catalog.models()) {
    if (spec.id.str() > page.cursor) models.push_back(&spec);
  }
  std::sort(models.begin(), models.end(),
            [](const auto* a, const auto* b) { return a->id < b->id; });
  boost::json::array items;
  const size_t limit = static_cast<size_t>(page.limit);
  for (size_t i = 0; i < models.size() && i < limit; ++i) {
    items.push_back(catalog::SummaryToJson(*models[i], ctx.services.regimes, date));
  }
  boost::json::object out{{"items", std::move(items)}};
  if (models.size() > limit) {
    out["next_cursor"] = models[limit - 1]->id.str();
  } else {
    out["next_cursor"] = nullptr;
  }
  return JsonResponse(out);
}

Result<Response> GetAccelerator(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(const catalog::AcceleratorSpec* spec, FindModel(ctx));
  return JsonResponse(catalog::SpecToJson(*spec));
}

Result<Response> ClassifyModel(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(const catalog::AcceleratorSpec* spec, FindModel(ctx));
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateFromQuery(ctx));
  const std::vector<std::string> ids = RegimesFromQuery(ctx);
  STRAITS_ASSIGN_OR_RETURN(catalog::ClassificationReport report,
                           catalog::ClassifyAll(*spec, ctx.services.regimes, date, ids));
  return JsonResponse(catalog::ReportToJson(report));
}

Result<Response> ClassifySpec(Context& ctx) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(ctx.request.body, ec);
  if (ec) return InvalidArgument("malformed JSON body: " + ec.message());
  STRAITS_ASSIGN_OR_RETURN(catalog::AcceleratorSpec spec, catalog::SpecFromJson(body));
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateFromQuery(ctx));
  const std::vector<std::string> ids = RegimesFromQuery(ctx);
  STRAITS_ASSIGN_OR_RETURN(catalog::ClassificationReport report,
                           catalog::ClassifyAll(spec, ctx.services.regimes, date, ids));
  return JsonResponse(catalog::ReportToJson(report));
}

}  // namespace

RouteFamily CatalogRoutes() {
  return {
      .routes = {{"GET", "/v1/accelerators", true, ListAccelerators, kEveryRole},
                 {"GET", "/v1/accelerators/{id}", true, GetAccelerator, kEveryRole},
                 {"GET", "/v1/accelerators/{id}/classification", true, ClassifyModel, kEveryRole},
                 {"POST", "/v1/classify", true, ClassifySpec, kEveryRole}},
      .operations =
          {{"get",
            "/v1/accelerators",
            "classification",
            "List accelerator models with TPP, performance density and the ECCN in force",
            {{"date", "query", false, "Classify as of this UTC date (default today)."},
             kLimitParam,
             kCursorParam},
            nullptr,
            {{"200", "AcceleratorPage"}, {"400", "Error"}},
            true},
           {"get",
            "/v1/accelerators/{id}",
            "classification",
            "One accelerator model: every published number with its source",
            {{"id", "path", true, "Model id, e.g. h100-sxm."}},
            nullptr,
            {{"200", "Accelerator"}, {"404", "Error"}},
            true},
           {"get",
            "/v1/accelerators/{id}/classification",
            "classification",
            "Export classification of a model under every regime (or those named), with the "
            "inequalities that decided it",
            {{"id", "path", true, "Model id."},
             {"date", "query", false, "UTC date (default today)."},
             {"regime", "query", false, "Only this regime id; repeatable."}},
            nullptr,
            {{"200", "ClassificationReport"}, {"400", "Error"}, {"404", "Error"}},
            true},
           {"post",
            "/v1/classify",
            "classification",
            "Classify a chip that is not in the catalog, from its spec (docs/spec-format.md)",
            {{"date", "query", false, "UTC date (default today)."},
             {"regime", "query", false, "Only this regime id; repeatable."}},
            "ChipSpec",
            {{"200", "ClassificationReport"}, {"400", "Error"}, {"404", "Error"}},
            true}},
      .schemas = R"json({
    "Accelerator": {"type": "object", "description": "Catalog entry; every number has a source.",
      "properties": {"id": {"type": "string"}, "vendor": {"type": "string"},
        "name": {"type": "string"}, "tpp": {"type": ["number", "null"]},
        "performance_density": {"type": ["number", "null"]}}},
    "AcceleratorSummary": {"type": "object", "properties": {"id": {"type": "string"},
      "vendor": {"type": "string"}, "name": {"type": "string"},
      "datacenter": {"type": "boolean"}, "tpp": {"type": ["number", "null"]},
      "performance_density": {"type": ["number", "null"]}, "eccn": {"type": "string"},
      "regime": {"type": ["string", "null"]}}},
    "AcceleratorPage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/AcceleratorSummary"}},
      "next_cursor": {"type": ["string", "null"]}}},
    "ChipSpec": {"type": "object", "required": ["model", "throughput"], "properties": {
      "vendor": {"type": "string"}, "model": {"type": "string"},
      "datacenter": {"type": "boolean"}, "die_area_mm2": {"type": "number"},
      "interconnect_bidir_gbps": {"type": "number"},
      "throughput": {"type": "array", "minItems": 1, "items": {"type": "object",
        "required": ["bits", "tops"], "properties": {"format": {"type": "string"},
          "bits": {"type": "integer"}, "tops": {"type": "number"}}}}}},
    "ClassificationReport": {"type": "object",
      "required": ["model", "tpp", "performance_density", "by_regime"],
      "properties": {"model": {"type": "string"}, "tpp": {"type": ["number", "null"]},
        "performance_density": {"type": ["number", "null"]},
        "eccn": {"type": "string", "enum": ["3A090.a", "3A090.b", "4A090.a", "4A090.b",
                                            "not_3A090", "undetermined"]},
        "regime_in_force": {"type": "string"},
        "by_regime": {"type": "array", "items": {"type": "object", "properties": {
          "regime": {"type": "string"}, "in_force": {"type": "boolean"},
          "eccn": {"type": "string"}, "reason": {"type": "string"}}}}}}
  })json"};
}

}  // namespace straits::api

// Accelerators and their export classification.
#include <algorithm>

#include "api/api.h"
#include "api/json_io.h"
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

void AddCatalogRoutes(Router& router) {
  router.Add({"GET", "/v1/accelerators", true, ListAccelerators});
  router.Add({"GET", "/v1/accelerators/{id}", true, GetAccelerator});
  router.Add({"GET", "/v1/accelerators/{id}/classification", true, ClassifyModel});
  router.Add({"POST", "/v1/classify", true, ClassifySpec});
}

}  // namespace straits::api

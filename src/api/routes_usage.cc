// One lease's usage as metered or polled: the GPU-seconds it used, per day,
// per node and per job (series), against what its terms reserved. The lease
// detail page draws it; a tenant sees only its own leases' usage.
#include <map>

#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "billing_store/billing_service.h"
#include "billing_store/shared.h"

namespace straits::api {
namespace {

namespace json = boost::json;

constexpr int64_t kSecondsPerDay = 86'400;

json::array Totals(const std::map<std::string, int64_t>& by, const char* key) {
  json::array out;
  for (const auto& [k, seconds] : by) {
    out.push_back(json::object{{key, k}, {"gpu_seconds", seconds}});
  }
  return out;
}

// A record split over the UTC days it spans, in proportion to its length, so
// that a record crossing midnight counts on both days.
void AddByDay(const billing::UsageRecord& r, std::map<std::string, int64_t>& by_day) {
  const int64_t start = r.start.unix_seconds(), end = r.end.unix_seconds();
  const int64_t length = end - start;
  int64_t given = 0;
  for (int64_t day = start - (start % kSecondsPerDay + kSecondsPerDay) % kSecondsPerDay; day < end;
       day += kSecondsPerDay) {
    const int64_t from = std::max(start, day), to = std::min(end, day + kSecondsPerDay);
    // The last day takes the remainder, so the days sum to the record exactly.
    // No overflow: gpu_seconds <= 64 GPUs x length, times at most a day.
    const int64_t share = to == end ? r.gpu_seconds - given : r.gpu_seconds * (to - from) / length;
    given += share;
    by_day[Instant::FromUnixSeconds(day).DateString()] += share;
  }
}

Result<Response> LeaseUsage(Context& ctx) {
  if (ctx.services.db_path.empty()) {
    return Unavailable("usage is not available: the server was started without a database path");
  }
  Result<LeaseId> id = LeaseId::Parse(ctx.params.at("id"));
  if (!id.ok()) return NotFound("no lease \"" + ctx.params.at("id") + "\"", "id");
  STRAITS_ASSIGN_OR_RETURN(billing_store::BillingStore * repo,
                           billing_store::SharedBillingStore(ctx.services.db_path));
  billing_store::BillingService service(ctx.services.store, *repo);
  STRAITS_ASSIGN_OR_RETURN(billing_store::LeaseUsage usage,
                           service.UsageOfLease(BillingScopeOf(ctx), *id));
  std::map<std::string, int64_t> by_day, by_node, by_series;
  int64_t total = 0;
  std::optional<Instant> last;
  for (const billing::UsageRecord& r : usage.records) {
    total += r.gpu_seconds;
    by_node[r.node.str()] += r.gpu_seconds;
    if (!r.series.empty()) by_series[r.series] += r.gpu_seconds;
    AddByDay(r, by_day);
    if (!last || *last < r.end) last = r.end;
  }
  const billing::LeaseTerms& t = usage.terms;
  // What the terms reserved up to the last record (the whole term once it is
  // over), so that "used" reads as a share of what was held so far.
  const Instant until = last ? std::min(*last, t.term.end()) : t.term.start();
  const int64_t reserved =
      static_cast<int64_t>(t.gpus) * std::max<int64_t>(0, (until - t.term.start()).seconds());
  json::object out{{"lease", t.id.str()},
                   {"account", t.account.str()},
                   {"site", t.site.str()},
                   {"model", t.model.str()},
                   {"gpus", t.gpus},
                   {"term_start", t.term.start().ToString()},
                   {"term_end", t.term.end().ToString()},
                   {"records", static_cast<int64_t>(usage.records.size())},
                   {"gpu_seconds", total},
                   {"metered_until", last ? json::value(last->ToString()) : json::value(nullptr)},
                   {"reserved_gpu_seconds", reserved},
                   {"by_day", Totals(by_day, "day")},
                   {"by_node", Totals(by_node, "node")},
                   {"by_series", Totals(by_series, "series")}};
  return JsonResponse(out);
}

}  // namespace

RouteFamily UsageRoutes() {
  return {.routes = {{"GET", "/v1/leases/{id}/usage", true, LeaseUsage,
                      Roles(kOperator, kFinance, kTenant, kAuditor)}},
          .operations = {{"get",
                          "/v1/leases/{id}/usage",
                          "billing",
                          "One lease's recorded usage: GPU-seconds in all, per UTC day, per node "
                          "and per job, against the GPU-seconds its terms reserved so far",
                          {{"id", "path", true, "Lease id."}},
                          nullptr,
                          {{"200", "LeaseUsage"}, {"404", "Error"}},
                          true}},
          .schemas = R"json({
    "LeaseUsage": {"type": "object",
      "required": ["lease", "gpus", "records", "gpu_seconds", "reserved_gpu_seconds", "by_day"],
      "properties": {"lease": {"type": "string"}, "account": {"type": "string"},
        "site": {"type": "string"}, "model": {"type": "string"}, "gpus": {"type": "integer"},
        "term_start": {"type": "string", "format": "date-time"},
        "term_end": {"type": "string", "format": "date-time"},
        "records": {"type": "integer"}, "gpu_seconds": {"type": "integer"},
        "metered_until": {"type": ["string", "null"], "format": "date-time",
          "description": "End of the latest usage record."},
        "reserved_gpu_seconds": {"type": "integer",
          "description": "GPUs x seconds of the term up to metered_until."},
        "by_day": {"type": "array", "items": {"type": "object", "properties": {
          "day": {"type": "string", "format": "date"}, "gpu_seconds": {"type": "integer"}}}},
        "by_node": {"type": "array", "items": {"type": "object", "properties": {
          "node": {"type": "string"}, "gpu_seconds": {"type": "integer"}}}},
        "by_series": {"type": "array", "description": "Per series: a Slurm job and step, or `reserved` for reserved time no job used; empty for whole-node usage.",
          "items": {"type": "object", "properties": {
          "series": {"type": "string"}, "gpu_seconds": {"type": "integer"}}}}}}
  })json"};
}

}  // namespace straits::api

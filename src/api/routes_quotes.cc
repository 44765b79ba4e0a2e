// Quotes: where and when a training job can run, at what price, and whether
// it is allowed, per site and accelerator model.
#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "lease/quote.h"
#include "lease/service.h"

namespace straits::api {
namespace {

Result<Response> CreateQuote(Context& ctx) {
  if (!ctx.services.leases) return Unavailable("leases are not enabled on this server");
  STRAITS_ASSIGN_OR_RETURN(boost::json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_ASSIGN_OR_RETURN(lease::QuoteRequest request,
                           lease::QuoteRequestFromJson(body, ctx.services.clock.Now()));
  const lease::Actor actor = LeaseActorOf(ctx);
  STRAITS_ASSIGN_OR_RETURN(lease::QuoteResult result, ctx.services.leases->Quote(request, actor));
  return JsonResponse(lease::QuoteResultToJson(result));
}

}  // namespace

RouteFamily QuotesRoutes() {
  return {.routes = {{"POST", "/v1/quotes", true, CreateQuote, Roles(kOperator, kTenant)}},
          .operations = {{"post",
                          "/v1/quotes",
                          "leases",
                          "Quote a training job: per site and accelerator model, GPUs, earliest "
                          "start, time to train, price and the compliance verdict with its "
                          "reasons (options not allowed are listed with the reason)",
                          {},
                          "QuoteRequest",
                          {{"200", "QuoteResult"},
                           {"400", "Error"},
                           {"403", "Error"},
                           {"404", "Error"},
                           {"415", "Error"}},
                          true}},
          .schemas = R"json({
    "QuoteRequest": {"type": "object", "required": ["tenant"], "additionalProperties": false,
      "description": "The job by its compute (training_flop) or by gpu_hours on a reference accelerator.",
      "properties": {
        "tenant": {"type": "string"},
        "training_flop": {"type": "number", "examples": [3e24]},
        "gpu_hours": {"type": "number"}, "reference": {"type": "string"},
        "gpus": {"type": "integer", "description": "Default: the largest pod of each model, up to 1024."},
        "accelerators": {"type": "array", "items": {"type": "string"}},
        "sites": {"type": "array", "items": {"type": "string"}},
        "earliest": {"type": "string", "format": "date-time"},
        "latest_end": {"type": "string", "format": "date-time"},
        "max_price": {"type": "string", "examples": ["4.00 USD"]},
        "mfu": {"type": "number", "description": "Model FLOPs utilization, overrides the table."},
        "scope": {"enum": ["node", "pod", "site"]},
        "by": {"enum": ["soonest", "cheapest"]}}},
    "QuoteOption": {"type": "object", "properties": {
      "site": {"type": "string"}, "model": {"type": "string"}, "gpus": {"type": "integer"},
      "bf16_tflops_per_gpu": {"type": "number"}, "mfu": {"type": "number"},
      "mfu_source": {"type": "string"}, "time_to_train": {"type": "string"},
      "time_to_train_hours": {"type": "integer"},
      "start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
      "price_per_gpu_hour": {"type": ["string", "null"]}, "total": {"type": ["string", "null"]},
      "total_usd": {"type": ["string", "null"], "description": "The total at today's FX rates."},
      "verdict": {"enum": ["allowed", "conditions", "license_required", "prohibited"]},
      "reasons": {"type": "array", "items": {"type": "string"}},
      "available": {"type": "boolean"}, "unavailable": {"type": ["string", "null"]}}},
    "QuoteResult": {"type": "object", "properties": {
      "training_flop": {"type": "number"}, "by": {"type": "string"},
      "assumption": {"type": "string"},
      "options": {"type": "array", "items": {"$ref": "#/components/schemas/QuoteOption"}}}}
  })json"};
}

}  // namespace straits::api

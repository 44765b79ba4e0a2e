// Leases: request, list, show, approve, deny, cancel, extend; the per-node
// calendar of a site; the compliance holds report.
#include "api/actor.h"
#include "api/api.h"
#include "api/dual_control.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "auth/tokens.h"
#include "lease/json.h"
#include "lease/service.h"

namespace straits::api {
namespace {

namespace json = boost::json;

Result<lease::LeaseService*> Leases(Context& ctx) {
  if (!ctx.services.leases) return Unavailable("leases are not enabled on this server");
  return ctx.services.leases;
}

lease::Actor ActorOf(const Context& ctx) { return LeaseActorOf(ctx); }

lease::Idempotency KeyOf(const Context& ctx) {
  lease::Idempotency key{ctx.request.idempotency_key, ""};
  if (!key.key.empty()) {
    key.fingerprint =
        auth::Sha256Hex(ctx.request.method + " " + ctx.request.path + "\n" + ctx.request.body);
  }
  return key;
}

Response FromOutcome(const lease::Outcome& out) {
  Response r;
  r.status = out.status;
  r.body = out.body;
  if (out.status == 201 && out.lease) {
    r.headers.emplace_back("Location", "/v1/leases/" + out.lease->id.str());
  }
  if (out.replayed) r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

Result<LeaseId> PathLease(const Context& ctx) {
  const std::string& text = ctx.params.at("id");
  Result<LeaseId> id = LeaseId::Parse(text);
  if (!id.ok()) return NotFound("no lease \"" + text + "\"", "id");
  return id;
}

// An optional JSON object body: empty means {}.
Result<json::object> OptionalBody(const Context& ctx) {
  if (ctx.request.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  return ParseJsonObject(ctx.request.body);
}

Result<Instant> QueryTime(const Context& ctx, const std::string& name, Instant fallback) {
  const std::string* text = ctx.request.Query(name);
  if (!text) return fallback;
  Result<Instant> t = Instant::Parse(*text);
  if (!t.ok()) return InvalidArgument(t.status().message(), name);
  return t;
}

json::object DecisionJson(const lease_store::DecisionRecord& d) {
  json::object out{{"id", d.id},
                   {"at", d.at.ToString()},
                   {"stage", d.stage},
                   {"verdict", policy::VerdictName(d.verdict)},
                   {"date", d.date.ToString()}};
  out["site"] = d.site ? json::value(d.site->str()) : json::value(nullptr);
  out["model"] = d.model ? json::value(d.model->str()) : json::value(nullptr);
  boost::system::error_code ec;
  json::value body = json::parse(d.body, ec);
  if (!ec && body.is_object()) {
    for (const auto& entry : body.as_object()) out[entry.key()] = entry.value();
  }
  return out;
}

Result<Response> CreateLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseSpec spec,
                           lease::SpecFromJson(body, ctx.services.clock.Now()));
  STRAITS_ASSIGN_OR_RETURN(lease::Outcome out, leases->Request(spec, ActorOf(ctx), KeyOf(ctx)));
  return FromOutcome(out);
}

Result<Response> ListLeases(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  lease_store::LeaseFilter filter;
  if (const std::string* tenant = ctx.request.Query("tenant")) {
    Result<OrgId> id = OrgId::Parse(*tenant);
    if (!id.ok()) return InvalidArgument(id.status().message(), "tenant");
    filter.tenant = *id;
  }
  if (const std::string* state = ctx.request.Query("state")) {
    STRAITS_ASSIGN_OR_RETURN(filter.state, lease::ParseState(*state, "state"));
  }
  if (const std::string* site = ctx.request.Query("site")) {
    Result<SiteId> id = SiteId::Parse(*site);
    if (!id.ok()) return InvalidArgument(id.status().message(), "site");
    filter.site = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(store::Page<lease::Lease> result,
                           leases->List(filter, page, ActorOf(ctx)));
  json::array items;
  for (const lease::Lease& l : result.items) items.push_back(lease::LeaseToJson(l));
  json::object out{{"items", std::move(items)}};
  out["next_cursor"] =
      result.next_cursor.empty() ? json::value(nullptr) : json::value(result.next_cursor);
  return JsonResponse(out);
}

Result<Response> GetLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, PathLease(ctx));
  STRAITS_ASSIGN_OR_RETURN(lease::Lease lease, leases->Get(id, ActorOf(ctx)));
  STRAITS_ASSIGN_OR_RETURN(auto decisions, leases->Decisions(id, ActorOf(ctx)));
  json::object out = lease::LeaseToJson(lease);
  json::array list;
  for (const lease_store::DecisionRecord& d : decisions) list.push_back(DecisionJson(d));
  out["decisions"] = std::move(list);
  STRAITS_ASSIGN_OR_RETURN(out["pending_approval"], PendingApprovalJson(ctx, lease));
  return JsonResponse(out);
}

Result<Response> ApproveLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, PathLease(ctx));
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"reason", "license"}));
  STRAITS_ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> license, OptionalString(body, "license"));
  STRAITS_ASSIGN_OR_RETURN(lease::Outcome out, leases->Approve(id, reason, license.value_or(""),
                                                               ActorOf(ctx), KeyOf(ctx)));
  return FromOutcome(out);
}

Result<Response> DenyLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, PathLease(ctx));
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"reason"}));
  STRAITS_ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  STRAITS_ASSIGN_OR_RETURN(lease::Outcome out, leases->Deny(id, reason, ActorOf(ctx), KeyOf(ctx)));
  return FromOutcome(out);
}

Result<Response> CancelLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, PathLease(ctx));
  STRAITS_ASSIGN_OR_RETURN(json::object body, OptionalBody(ctx));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {}));
  STRAITS_ASSIGN_OR_RETURN(lease::Outcome out, leases->Cancel(id, ActorOf(ctx), KeyOf(ctx)));
  return FromOutcome(out);
}

Result<Response> ExtendLease(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, PathLease(ctx));
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"to"}));
  STRAITS_ASSIGN_OR_RETURN(std::string to_text, RequiredString(body, "to"));
  Result<Instant> to = Instant::Parse(to_text);
  if (!to.ok()) return InvalidArgument(to.status().message(), "to");
  STRAITS_ASSIGN_OR_RETURN(lease::Outcome out, leases->Extend(id, *to, ActorOf(ctx), KeyOf(ctx)));
  return FromOutcome(out);
}

Result<Response> SiteCalendar(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  const std::string& text = ctx.params.at("id");
  Result<SiteId> site = SiteId::Parse(text);
  if (!site.ok()) return NotFound("no site \"" + text + "\"", "id");
  const Instant now = ctx.services.clock.Now();
  STRAITS_ASSIGN_OR_RETURN(Instant from, QueryTime(ctx, "from", now));
  STRAITS_ASSIGN_OR_RETURN(Instant to, QueryTime(ctx, "to", from + Duration::Days(7)));
  STRAITS_ASSIGN_OR_RETURN(lease::SiteCalendar cal,
                           leases->Calendar(*site, from, to, ActorOf(ctx)));
  json::array nodes;
  for (const lease::SiteCalendar::Node& n : cal.nodes) {
    json::array bookings;
    for (const lease::SiteCalendar::Booking& b : n.bookings) {
      bookings.push_back(
          json::object{{"lease", b.lease ? json::value(b.lease->str()) : json::value(nullptr)},
                       {"start", b.start.ToString()},
                       {"end", b.end.ToString()},
                       {"gpus", b.gpus}});
    }
    json::array use;
    for (const auto& [at, used] : n.use) {
      use.push_back(json::object{{"at", at.ToString()}, {"used", used}});
    }
    nodes.push_back(json::object{{"node", n.node.str()},
                                 {"pod", n.pod.str()},
                                 {"model", n.model.str()},
                                 {"gpus", n.gpus},
                                 {"bookings", std::move(bookings)},
                                 {"use", std::move(use)}});
  }
  return JsonResponse(json::object{{"site", cal.site.str()},
                                   {"from", cal.from.ToString()},
                                   {"to", cal.to.ToString()},
                                   {"nodes", std::move(nodes)}});
}

Result<Response> ComplianceHolds(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(lease::LeaseService * leases, Leases(ctx));
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease::Lease> held, leases->Holds(ActorOf(ctx)));
  json::array items;
  for (const lease::Lease& l : held) {
    json::object item = lease::LeaseToJson(l);
    STRAITS_ASSIGN_OR_RETURN(auto decisions, leases->Decisions(l.id, ActorOf(ctx)));
    item["decision"] =
        decisions.empty() ? json::value(nullptr) : json::value(DecisionJson(decisions.back()));
    items.push_back(std::move(item));
  }
  return JsonResponse(json::object{{"items", std::move(items)}});
}

const ApiParam kIdempotencyParam{
    "Idempotency-Key", "header", false,
    "A retry with the same key (and the same request) returns the first answer and changes "
    "nothing."};
const ApiParam kLeaseIdParam{"id", "path", true, "Lease id, e.g. lease-000042."};

ApiOperation Transition(const char* path, const char* summary, const char* schema) {
  return {"post",
          path,
          "leases",
          summary,
          {kLeaseIdParam, kIdempotencyParam},
          schema,
          {{"200", "Lease"},
           {"400", "Error"},
           {"403", "Error"},
           {"404", "Error"},
           {"409", "Error"},
           {"415", "Error"}},
          true};
}

}  // namespace

RouteFamily LeasesRoutes() {
  return {
      .routes = {{"POST", "/v1/leases", true, CreateLease, Roles(kOperator, kTenant)},
                 {"GET", "/v1/leases", true, ListLeases, kEveryRole},
                 {"GET", "/v1/leases/{id}", true, GetLease, kEveryRole},
                 {"POST", "/v1/leases/{id}/approve", true, WithDualControl(ApproveLease),
                  Roles(kOperator, kCompliance)},
                 {"POST", "/v1/leases/{id}/deny", true, DenyLease, Roles(kCompliance)},
                 {"POST", "/v1/leases/{id}/cancel", true, CancelLease, Roles(kOperator, kTenant)},
                 {"POST", "/v1/leases/{id}/extend", true, ExtendLease, Roles(kOperator, kTenant)},
                 {"GET", "/v1/sites/{id}/calendar", true, SiteCalendar, kEveryRole},
                 {"GET", "/v1/compliance/holds", true, ComplianceHolds,
                  Roles(kCompliance, kAuditor)}},
      .operations =
          {{"post",
            "/v1/leases",
            "leases",
            "Request a lease: compliance per candidate site, placement, one transaction. 201 "
            "with the lease (scheduled, pending_review or denied, with the rules that fired); "
            "409 with the reason for every site when none can host it",
            {kIdempotencyParam},
            "LeaseRequest",
            {{"201", "Lease"},
             {"400", "Error"},
             {"403", "Error"},
             {"404", "Error"},
             {"409", "Refusal"},
             {"413", "Error"},
             {"415", "Error"}},
            true},
           {"get",
            "/v1/leases",
            "leases",
            "List leases (a tenant token sees its own organization's only)",
            {{"tenant", "query", false, "Only this tenant's leases."},
             {"state", "query", false,
              "Only leases in this state (requested, pending_review, denied, scheduled, active, "
              "completed, cancelled, terminated, compliance_hold, expired)."},
             {"site", "query", false, "Only leases placed at this site."},
             kLimitParam,
             kCursorParam},
            nullptr,
            {{"200", "LeasePage"}, {"400", "Error"}, {"403", "Error"}},
            true},
           {"get",
            "/v1/leases/{id}",
            "leases",
            "One lease with every compliance decision taken for it",
            {kLeaseIdParam},
            nullptr,
            {{"200", "LeaseDetail"}, {"404", "Error"}},
            true},
           Transition("/v1/leases/{id}/approve",
                      "Approve a lease pending review or on compliance hold (compliance officer); "
                      "compliance is evaluated again, and a license_required verdict needs the "
                      "license or permit number",
                      "Approval"),
           Transition("/v1/leases/{id}/deny",
                      "Deny a lease pending review or on hold (compliance officer); its capacity "
                      "is released",
                      "Denial"),
           Transition("/v1/leases/{id}/cancel",
                      "Cancel a lease before its start (cancelled) or end it now (terminated)",
                      nullptr),
           Transition("/v1/leases/{id}/extend", "Move the end of a lease later on the same nodes",
                      "Extension"),
           {"get",
            "/v1/sites/{id}/calendar",
            "leases",
            "Per-node use of a site over time, for the dashboard",
            {{"id", "path", true, "Site id."},
             {"from", "query", false, "Start (ISO 8601; default now)."},
             {"to", "query", false, "End (default from + 7 days; at most 366 days)."}},
            nullptr,
            {{"200", "SiteCalendar"}, {"400", "Error"}, {"404", "Error"}},
            true},
           {"get",
            "/v1/compliance/holds",
            "leases",
            "Leases on compliance hold, with the decision that held them (compliance officer)",
            {},
            nullptr,
            {{"200", "HoldList"}, {"403", "Error"}},
            true}},
      .schemas = R"json({
    "LeaseRequest": {"type": "object", "required": ["tenant", "gpus", "duration"],
      "additionalProperties": false, "properties": {
        "tenant": {"type": "string"}, "gpus": {"type": "integer", "minimum": 1},
        "accelerators": {"type": "array", "items": {"type": "string"}},
        "min_tpp": {"type": "number"},
        "scope": {"enum": ["node", "pod", "site"]},
        "start": {"type": "string", "format": "date-time", "description": "A fixed start."},
        "earliest": {"type": "string", "format": "date-time"},
        "latest_end": {"type": "string", "format": "date-time"},
        "duration": {"type": "string", "examples": ["72h", "30d"]},
        "sites": {"type": "array", "items": {"type": "string"}},
        "max_price": {"type": "string", "examples": ["3.50 USD"]},
        "purpose": {"enum": ["training", "inference", "other", "undeclared"]},
        "training_flop": {"type": "number"}}},
    "LeasePlacement": {"type": "object", "properties": {
      "site": {"type": "string"}, "model": {"type": "string"},
      "start": {"type": "string", "format": "date-time"},
      "end": {"type": "string", "format": "date-time"}, "gpus": {"type": "integer"},
      "nodes": {"type": "array", "items": {"type": "object", "properties": {
        "node": {"type": "string"}, "gpus": {"type": "integer"}}}},
      "price_per_gpu_hour": {"type": ["string", "null"]}}},
    "Lease": {"type": "object", "required": ["id", "tenant", "state"], "properties": {
      "id": {"type": "string"}, "tenant": {"type": "string"},
      "state": {"enum": ["requested", "pending_review", "denied", "scheduled", "active",
                         "completed", "cancelled", "terminated", "compliance_hold", "expired"]},
      "version": {"type": "integer"},
      "request": {"$ref": "#/components/schemas/LeaseRequest"},
      "placement": {"oneOf": [{"$ref": "#/components/schemas/LeasePlacement"}, {"type": "null"}]},
      "verdict": {"enum": ["allowed", "conditions", "license_required", "prohibited"]},
      "accepted_verdict": {"type": "string"},
      "hold_until": {"type": ["string", "null"]}, "reason": {"type": "string"},
      "license": {"type": "string"}, "reviewed_by": {"type": "string"},
      "created_by": {"type": "string"}, "created_at": {"type": "string"},
      "updated_at": {"type": "string"},
      "reasons": {"type": "array", "items": {"type": "string"},
        "description": "The rules that fired (regime/rule (verdict): message)."}}},
    "LeaseDecision": {"type": "object", "properties": {
      "id": {"type": "integer"}, "at": {"type": "string"},
      "stage": {"enum": ["request", "approval", "activation", "reevaluation"]},
      "verdict": {"type": "string"}, "site": {"type": ["string", "null"]},
      "model": {"type": ["string", "null"]}, "date": {"type": "string"},
      "decision": {"type": "object", "description": "Verdict, rules fired, regimes with hashes."},
      "input": {"type": "object", "description": "The facts the decision was made from."}}},
    "LeaseDetail": {"allOf": [{"$ref": "#/components/schemas/Lease"}, {"type": "object",
      "properties": {"decisions": {"type": "array",
        "items": {"$ref": "#/components/schemas/LeaseDecision"}},
        "pending_approval": {"type": ["object", "null"],
          "description": "A license_required lease's first approval, awaiting a second compliance user.",
          "properties": {"approved_by": {"type": "string"}, "at": {"type": "string"},
            "reason": {"type": "string"}, "license": {"type": "string"},
            "needs": {"type": "string"}}}}}]},
    "LeasePage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Lease"}},
      "next_cursor": {"type": ["string", "null"]}}},
    "Refusal": {"type": "object", "properties": {
      "error": {"$ref": "#/components/schemas/Error/properties/error"},
      "reasons": {"type": "array", "items": {"type": "object", "properties": {
        "site": {"type": "string"},
        "reason": {"enum": ["not_requested", "compliance_denied", "no_matching_hardware",
                            "over_price_cap", "capacity_short", "not_chosen"]},
        "plugin": {"type": "string"}, "message": {"type": "string"},
        "short_by_gpus": {"type": "integer"}}}}}},
    "Approval": {"type": "object", "required": ["reason"], "additionalProperties": false,
      "properties": {"reason": {"type": "string"},
        "license": {"type": "string", "description": "License or permit number."}}},
    "Denial": {"type": "object", "required": ["reason"], "additionalProperties": false,
      "properties": {"reason": {"type": "string"}}},
    "Extension": {"type": "object", "required": ["to"], "additionalProperties": false,
      "properties": {"to": {"type": "string", "format": "date-time"}}},
    "SiteCalendar": {"type": "object", "properties": {
      "site": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
      "nodes": {"type": "array", "items": {"type": "object", "properties": {
        "node": {"type": "string"}, "pod": {"type": "string"}, "model": {"type": "string"},
        "gpus": {"type": "integer"},
        "bookings": {"type": "array", "items": {"type": "object", "properties": {
          "lease": {"type": ["string", "null"],
            "description": "Null for another tenant's lease."},
          "start": {"type": "string"}, "end": {"type": "string"}, "gpus": {"type": "integer"}}}},
        "use": {"type": "array", "items": {"type": "object", "properties": {
          "at": {"type": "string"}, "used": {"type": "integer"}}}}}}}}},
    "HoldList": {"type": "object", "properties": {"items": {"type": "array",
      "items": {"allOf": [{"$ref": "#/components/schemas/Lease"}, {"type": "object",
        "properties": {"decision": {"$ref": "#/components/schemas/LeaseDecision"}}}]}}}}
  })json"};
}

}  // namespace straits::api

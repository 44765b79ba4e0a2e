// The compliance engine over HTTP (docs/compliance.md): checks, party
// screening, rule packs, what-ifs and screening clearances. The JSON shapes
// are those of `straits check|screen|policy|whatif --json` (policy/json.h).
// Rule packs and lists are loaded once per process; the screener is rebuilt
// when the stored clearances change.
#include <map>
#include <memory>
#include <mutex>

#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "auth/accounts.h"
#include "lease_store/sqlite_lease_store.h"
#include "policy/check.h"
#include "policy/clearance_store.h"
#include "policy/engine.h"
#include "policy/json.h"
#include "policy/pack_store.h"
#include "policy/screening.h"
#include "policy/shipped.h"
#include "policy/store_facts.h"
#include "policy/whatif.h"

namespace straits::api {
namespace {

// The shipped and imported packs, and the lists with the clearances stored when
// it was built.
struct PolicyState {
  std::shared_ptr<const policy::Engine> engine;
  std::shared_ptr<const policy::Screener> screener;
};

// Loaded once per database for the life of the process, as the lease runtime
// loads its own: packs imported later apply after a restart (pack_store.h).
Result<std::shared_ptr<const policy::Engine>> SharedEngine(const std::string& db_path) {
  static auto* mu = new std::mutex;
  static auto* engines = new std::map<std::string, std::shared_ptr<const policy::Engine>>;
  std::lock_guard<std::mutex> lock(*mu);
  std::shared_ptr<const policy::Engine>& engine = (*engines)[db_path];
  if (!engine) {
    STRAITS_ASSIGN_OR_RETURN(policy::Engine loaded, policy::LoadEngine(db_path));
    engine = std::make_shared<const policy::Engine>(std::move(loaded));
  }
  return engine;
}

// The stored clearances (none without a database).
Result<std::vector<policy::StoredClearance>> StoredClearances(const Context& ctx) {
  if (ctx.services.db_path.empty()) return std::vector<policy::StoredClearance>{};
  STRAITS_ASSIGN_OR_RETURN(policy::ClearanceStore * store,
                           policy::SharedClearanceStore(ctx.services.db_path));
  return store->List();
}

Result<PolicyState> Policy(const Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Engine> engine,
                           SharedEngine(ctx.services.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::vector<policy::StoredClearance> stored, StoredClearances(ctx));
  // Clearances are only ever added, so the newest id identifies the set.
  const int64_t version = stored.empty() ? 0 : stored.back().id;
  static auto* mu = new std::mutex;
  static auto* cached = new std::shared_ptr<const policy::Screener>;
  static int64_t cached_version = -1;
  std::lock_guard<std::mutex> lock(*mu);
  if (!*cached || cached_version != version) {
    STRAITS_ASSIGN_OR_RETURN(policy::Screener screener,
                             policy::LoadShippedScreener(policy::ClearancesOf(stored)));
    *cached = std::make_shared<const policy::Screener>(std::move(screener));
    cached_version = version;
  }
  return PolicyState{std::move(engine), *cached};
}

Result<boost::json::value> Body(const Context& ctx) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(ctx.request.body, ec);
  if (ec) return InvalidArgument("the request body is not valid JSON: " + ec.message(), "body");
  return body;
}

// A reference in the body that names nothing (an unknown model, tenant, site
// or pack) is bad input: 400 naming the field, like any other invalid value.
Status AsBodyError(const Status& status) {
  if (status.code() == StatusCode::kNotFound) {
    return InvalidArgument(status.message(), std::string(status.field()));
  }
  return status;
}

Result<Instant> DateFromQuery(const Context& ctx) {
  const std::string* text = ctx.request.Query("date");
  if (!text) return ctx.services.clock.Now();
  Result<Instant> date = Instant::Parse(*text);
  if (!date.ok()) return InvalidArgument(date.status().message(), "date");
  return date;
}

Result<Response> Check(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(boost::json::value body, Body(ctx));
  STRAITS_ASSIGN_OR_RETURN(policy::CheckRequest request, policy::CheckRequestFromJson(body));
  if (request.tenant.id || request.site_id) {
    STRAITS_RETURN_IF_ERROR(AsBodyError(policy::ResolveFromStore(ctx.services.store, request)));
  }
  STRAITS_ASSIGN_OR_RETURN(PolicyState policy, Policy(ctx));
  STRAITS_RETURN_IF_ERROR(policy::FillRunningTotals(ctx.services.store, *policy.engine, request));
  policy::Transaction tx;
  std::vector<policy::PartyScreening> screenings;
  STRAITS_RETURN_IF_ERROR(AsBodyError(
      policy::BuildTransaction(*policy.engine, request, policy.screener.get(), tx, &screenings)));
  Result<policy::PackSelection> selection =
      policy.engine->Select(request.regimes, request.only_regimes);
  if (!selection.ok()) return AsBodyError(selection.status());
  policy::Decision decision;
  STRAITS_RETURN_IF_ERROR(policy.engine->Evaluate(tx, *selection, decision));
  return JsonResponse(policy::DecisionToJson(decision, screenings));
}

Result<Response> Screen(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(boost::json::value body, Body(ctx));
  STRAITS_ASSIGN_OR_RETURN(policy::ScreenRequest request, policy::ScreenRequestFromJson(body));
  STRAITS_ASSIGN_OR_RETURN(PolicyState policy, Policy(ctx));
  std::vector<policy::Match> matches =
      policy.screener->Search(request.name, request.country, request.date, request.limit);
  return JsonResponse(policy::ScreenResultToJson(request, matches, policy.screener->threshold()));
}

Result<Response> ListRegimes(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateFromQuery(ctx));
  STRAITS_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Engine> engine,
                           SharedEngine(ctx.services.db_path));
  return JsonResponse(boost::json::object{{"items", policy::PackListToJson(*engine, date)}});
}

Result<Response> GetRegime(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateFromQuery(ctx));
  STRAITS_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Engine> engine,
                           SharedEngine(ctx.services.db_path));
  const std::string& id = ctx.params.at("id");
  const policy::Pack* pack = engine->FindPack(id);
  if (!pack)
    return NotFound("no rule pack \"" + id + "\" (GET /v1/policy/regimes lists them)", "id");
  return JsonResponse(policy::PackToJson(*pack, date));
}

Result<Response> WhatIf(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(boost::json::value body, Body(ctx));
  STRAITS_ASSIGN_OR_RETURN(policy::WhatIfScenario scenario, policy::WhatIfScenarioFromJson(body));
  std::unique_ptr<lease_store::LeaseStore> leases;
  if (!ctx.services.db_path.empty()) {
    STRAITS_ASSIGN_OR_RETURN(
        leases, lease_store::OpenSqliteLeaseStore(ctx.services.db_path, {.connections = 1}));
  }
  STRAITS_ASSIGN_OR_RETURN(policy::WhatIfWorld world,
                           policy::WhatIfWorldFromStore(ctx.services.store, leases.get()));
  STRAITS_ASSIGN_OR_RETURN(PolicyState policy, Policy(ctx));
  Result<policy::WhatIfReport> report = policy::RunWhatIf(
      *policy.engine, policy.screener.get(), world, ctx.services.clock.Now(), scenario);
  if (!report.ok()) return AsBodyError(report.status());
  return JsonResponse(policy::WhatIfReportToJson(*report));
}

Result<Response> AddClearance(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(boost::json::value body, Body(ctx));
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object", "body");
  boost::json::object& object = body.as_object();
  for (const char* key : {"cleared_by", "cleared_at"}) {
    if (object.contains(key)) {
      return InvalidArgument("set by the server from the token and the clock", key);
    }
  }
  object["cleared_by"] = ctx.identity.name.empty() ? ctx.identity.token_id : ctx.identity.name;
  object["cleared_at"] = ctx.services.clock.Now().ToString();
  STRAITS_ASSIGN_OR_RETURN(policy::Clearance clearance, policy::ClearanceFromJson(body));
  STRAITS_ASSIGN_OR_RETURN(policy::ClearanceStore * store,
                           policy::SharedClearanceStore(ctx.services.db_path));
  // Refuse what could never be recorded before asking anyone to confirm it.
  STRAITS_RETURN_IF_ERROR(store->Check(clearance));
  STRAITS_ASSIGN_OR_RETURN(std::vector<policy::StoredClearance> existing, store->List());
  for (const policy::StoredClearance& e : existing) {
    if (e.clearance.entry_id == clearance.entry_id &&
        e.clearance.party_name == clearance.party_name) {
      return AlreadyExists("\"" + clearance.party_name + "\" is already cleared of entry " +
                               clearance.entry_id + " (clearance " + std::to_string(e.id) + ")",
                           "entry_id");
    }
  }
  // Dual control: the first compliance user's clearance waits (202) until a
  // second, different one confirms it; only then does it apply.
  STRAITS_ASSIGN_OR_RETURN(auth::AccountStore * accounts,
                           auth::SharedAccountStore(ctx.services.db_path));
  const std::string subject = "clearance:" + clearance.entry_id + ":" + clearance.party_name;
  const Instant now = ctx.services.clock.Now();
  STRAITS_ASSIGN_OR_RETURN(std::optional<auth::PendingApproval> pending,
                           accounts->FindPendingApproval(subject));
  if (!pending) {
    STRAITS_RETURN_IF_ERROR(
        accounts->AddPendingApproval({subject, clearance.cleared_by, clearance.reason, "", now}));
    boost::json::object out = policy::ClearanceToJson(clearance);
    out["pending"] = true;
    out["needs"] = "confirmation by a second compliance user";
    return JsonResponse(out, 202);
  }
  if (pending->user == clearance.cleared_by) {
    return FailedPrecondition("this clearance was proposed by " + pending->user + " at " +
                                  pending->at.ToString() +
                                  "; a second, different compliance user must confirm it",
                              "cleared_by");
  }
  clearance.reason = pending->reason + " (dual control: proposed by " + pending->user + " at " +
                     pending->at.ToString() + "; confirmed by " + clearance.cleared_by +
                     (clearance.reason == pending->reason ? "" : ": " + clearance.reason) + ")";
  clearance.cleared_by = pending->user + ", " + clearance.cleared_by;
  const std::string actor = "token:" + ctx.identity.token_id + " (" + ctx.identity.name + ")";
  STRAITS_ASSIGN_OR_RETURN(policy::StoredClearance stored, store->Add(clearance, actor));
  STRAITS_RETURN_IF_ERROR(accounts->ResolvePendingApproval(
      subject, "confirmed by " + ctx.identity.name + " as clearance " + std::to_string(stored.id),
      now));
  boost::json::object out = policy::ClearanceToJson(stored.clearance);
  out["id"] = stored.id;
  return JsonResponse(out, 201);
}

Result<Response> ListClearances(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<policy::StoredClearance> stored, StoredClearances(ctx));
  boost::json::array items;
  for (const policy::StoredClearance& s : stored) {
    boost::json::object item = policy::ClearanceToJson(s.clearance);
    item["id"] = s.id;
    items.push_back(std::move(item));
  }
  return JsonResponse(boost::json::object{{"items", std::move(items)}});
}

}  // namespace

RouteFamily ComplianceRoutes() {
  return {
      .routes = {{"POST", "/v1/compliance/check", true, Check,
                  Roles(kOperator, kCompliance, kAuditor)},
                 {"POST", "/v1/compliance/whatif", true, WhatIf, Roles(kCompliance, kAuditor)},
                 {"POST", "/v1/screening/search", true, Screen, Roles(kCompliance, kAuditor)},
                 {"POST", "/v1/screening/clearances", true, AddClearance, Roles(kCompliance)},
                 {"GET", "/v1/screening/clearances", true, ListClearances,
                  Roles(kCompliance, kAuditor)},
                 {"GET", "/v1/policy/regimes", true, ListRegimes, kEveryRole},
                 {"GET", "/v1/policy/regimes/{id}", true, GetRegime, kEveryRole}},
      .operations =
          {{"post",
            "/v1/compliance/check",
            "compliance",
            "Verdict of an export or a remote access on a date, with every rule that fired, its "
            "citation and message, and the packs consulted with their hashes",
            {},
            "CheckRequest",
            {{"200", "Decision"}, {"400", "Error"}},
            true},
           {"post",
            "/v1/compliance/whatif",
            "compliance",
            "Every tenant x site x model (and every lease holding capacity) under another date "
            "or named packs, against today: what changes",
            {},
            "WhatIfScenario",
            {{"200", "WhatIfReport"}, {"400", "Error"}},
            true},
           {"post",
            "/v1/screening/search",
            "compliance",
            "Fuzzy search of the restricted-party lists (any script), with score, entry and the "
            "alias that matched",
            {},
            "ScreenRequest",
            {{"200", "ScreenResult"}, {"400", "Error"}},
            true},
           {"post",
            "/v1/screening/clearances",
            "compliance",
            "Clear a false positive (party name and list entry) with a reason. Dual control: "
            "the first compliance user's request is held (202, pending); the same request by a "
            "second, different compliance user records the clearance (201), audited with both "
            "names",
            {},
            "ClearanceRequest",
            {{"201", "Clearance"},
             {"202", "Clearance"},
             {"400", "Error"},
             {"404", "Error"},
             {"409", "Error"}},
            true},
           {"get",
            "/v1/screening/clearances",
            "compliance",
            "Every screening clearance, oldest first",
            {},
            nullptr,
            {{"200", "ClearanceList"}},
            true},
           {"get",
            "/v1/policy/regimes",
            "compliance",
            "Every rule pack with its state on a date",
            {{"date", "query", false, "UTC date YYYY-MM-DD (default today)."}},
            nullptr,
            {{"200", "RegimeList"}, {"400", "Error"}},
            true},
           {"get",
            "/v1/policy/regimes/{id}",
            "compliance",
            "One rule pack: sources, country groups (members on the date) and rules",
            {{"id", "path", true, "Pack id, e.g. us-ear-2023-10."},
             {"date", "query", false, "UTC date for group membership (default today)."}},
            nullptr,
            {{"200", "Regime"}, {"400", "Error"}, {"404", "Error"}},
            true}},
      .schemas = R"json({
    "PartyFacts": {"type": "object", "properties": {
      "name": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}},
      "hq": {"type": "string"}, "parent_hq": {"type": "string"},
      "owners": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "hq": {"type": "string"}}}},
      "listed": {"type": "boolean"}, "affiliate_of_listed": {"type": "boolean"}}},
    "CheckRequest": {"type": "object", "required": ["kind", "date", "item"], "properties": {
      "kind": {"type": "string", "enum": ["export", "remote_access"]},
      "date": {"type": "string", "format": "date"}, "item": {"type": "string"},
      "count": {"type": "integer", "minimum": 1},
      "from": {"type": "string"}, "to": {"type": "string"},
      "consignee": {"$ref": "#/components/schemas/PartyFacts"},
      "site_country": {"type": "string"},
      "site_id": {"type": "string", "description": "Site in the database: its country and operator."},
      "operator": {"$ref": "#/components/schemas/PartyFacts"},
      "tenant": {"$ref": "#/components/schemas/PartyFacts"},
      "tenant_id": {"type": "string", "description": "Organization in the database: names, HQ, owners."},
      "end_use": {"type": "string", "enum": ["training", "inference", "other"]},
      "training_flop": {"type": "number"},
      "totals": {"type": "object", "description": "Running totals; computed from the database when absent.",
        "properties": {"country_tpp": {"type": "number"}, "consignee_year_tpp": {"type": "number"}}},
      "regimes": {"type": "array", "items": {"type": "string"}},
      "only_regimes": {"type": "boolean"}}},
    "Hit": {"type": "object", "required": ["regime", "rule", "citation", "verdict", "message"],
      "properties": {"regime": {"type": "string"}, "rule": {"type": "string"},
        "citation": {"type": "string"},
        "verdict": {"type": "string", "enum": ["allowed", "conditions", "license_required", "prohibited"]},
        "message": {"type": "string"}, "status": {"type": "string"},
        "jurisdiction": {"type": "string"}, "undetermined": {"type": "boolean"}}},
    "Decision": {"type": "object", "required": ["verdict", "hits", "regimes"], "properties": {
      "verdict": {"type": "string", "enum": ["allowed", "conditions", "license_required", "prohibited"]},
      "undetermined": {"type": "boolean"}, "date": {"type": "string"}, "kind": {"type": "string"},
      "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
      "regimes": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "hash": {"type": "string"}, "status": {"type": "string"}}}},
      "screening": {"type": "array", "items": {"type": "object"}}}},
    "ScreenRequest": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"}, "country": {"type": "string"},
      "date": {"type": "string", "format": "date"}, "limit": {"type": "integer"}}},
    "ScreenResult": {"type": "object", "properties": {
      "name": {"type": "string"}, "threshold": {"type": "number"},
      "matches": {"type": "array", "items": {"type": "object", "properties": {
        "score": {"type": "number"}, "entry": {"type": "object"},
        "matched_name": {"type": "string"}, "query": {"type": "string"},
        "cleared": {"type": ["object", "null"]}}}}}},
    "ClearanceRequest": {"type": "object", "required": ["party_name", "entry_id", "reason"],
      "properties": {"party_name": {"type": "string"}, "entry_id": {"type": "string"},
        "reason": {"type": "string"}}},
    "Clearance": {"type": "object", "properties": {"id": {"type": "integer"},
      "party_name": {"type": "string"}, "entry_id": {"type": "string"},
      "reason": {"type": "string"}, "cleared_by": {"type": "string"},
      "cleared_at": {"type": "string", "format": "date-time"}}},
    "ClearanceList": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Clearance"}}}},
    "RegimeSummary": {"type": "object", "properties": {"id": {"type": "string"},
      "jurisdiction": {"type": "string"}, "title": {"type": "string"},
      "status": {"type": "string"}, "effective": {"type": "string"},
      "in_force": {"type": "boolean"}, "state": {"type": "string"},
      "hash": {"type": "string"}, "rule_count": {"type": "integer"}}},
    "RegimeList": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/RegimeSummary"}}}},
    "Regime": {"type": "object", "properties": {"id": {"type": "string"},
      "groups": {"type": "array", "items": {"type": "object"}},
      "rules": {"type": "array", "items": {"type": "object"}}}},
    "WhatIfScenario": {"type": "object", "properties": {
      "date": {"type": "string", "format": "date"},
      "regimes": {"type": "array", "items": {"type": "string"}},
      "only_regimes": {"type": "boolean"}}},
    "WhatIfReport": {"type": "object", "properties": {
      "baseline_date": {"type": "string"}, "scenario_date": {"type": "string"},
      "combinations": {"type": "integer"}, "stricter": {"type": "integer"},
      "looser": {"type": "integer"}, "rules_changed": {"type": "integer"},
      "changes": {"type": "array", "items": {"type": "object"}}}}
  })json"};
}

}  // namespace straits::api

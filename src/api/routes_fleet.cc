// Organizations, sites and nodes.
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"

namespace straits::api {
namespace {

// Parses a path parameter as a typed id; a malformed id cannot name anything.
template <typename IdT>
Result<IdT> PathId(const Context& ctx, const std::string& name, std::string_view what) {
  Result<IdT> id = IdT::Parse(ctx.params.at(name));
  if (!id.ok()) {
    return NotFound("no " + std::string(what) + " \"" + ctx.params.at(name) + "\"", name);
  }
  return id;
}

Result<Response> ListOrgs(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  STRAITS_ASSIGN_OR_RETURN(auto orgs, ctx.services.store.ListOrgs(page));
  return JsonResponse(PageToJson(orgs));
}

Result<Response> GetOrg(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(OrgId id, PathId<OrgId>(ctx, "id", "organization"));
  STRAITS_ASSIGN_OR_RETURN(fleet::Organization org, ctx.services.store.GetOrg(id));
  return JsonResponse(ToJson(org));
}

Result<Response> ListSites(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  STRAITS_ASSIGN_OR_RETURN(auto sites, ctx.services.store.ListSites(page));
  return JsonResponse(PageToJson(sites));
}

Result<Response> GetSite(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(SiteId id, PathId<SiteId>(ctx, "id", "site"));
  STRAITS_ASSIGN_OR_RETURN(store::SiteDetail site, ctx.services.store.GetSite(id));
  return JsonResponse(ToJson(site));
}

// Wraps a parse error of one field so the response names that field.
template <typename T>
Result<T> Field(Result<T> value, std::string_view field) {
  if (!value.ok()) return value.status().WithFieldPrefix(field);
  return value;
}

Result<Response> CreateSite(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(boost::json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"id", "name", "country", "city", "operator"}));
  STRAITS_ASSIGN_OR_RETURN(std::string id_text, RequiredString(body, "id"));
  STRAITS_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  STRAITS_ASSIGN_OR_RETURN(std::string country_text, RequiredString(body, "country"));
  STRAITS_ASSIGN_OR_RETURN(std::string city, RequiredString(body, "city"));
  STRAITS_ASSIGN_OR_RETURN(std::string operator_text, RequiredString(body, "operator"));
  STRAITS_ASSIGN_OR_RETURN(SiteId id, Field(SiteId::Parse(id_text), "id"));
  STRAITS_ASSIGN_OR_RETURN(Country country, Field(Country::Parse(country_text), "country"));
  STRAITS_ASSIGN_OR_RETURN(OrgId op, Field(OrgId::Parse(operator_text), "operator"));
  if (name.empty()) return InvalidArgument("must not be empty", "name");
  if (city.empty()) return InvalidArgument("must not be empty", "city");
  fleet::Site site{id, name, country, city, op};
  STRAITS_RETURN_IF_ERROR(ctx.services.store.CreateSite(site));
  STRAITS_ASSIGN_OR_RETURN(store::SiteDetail created, ctx.services.store.GetSite(id));
  Response r = JsonResponse(ToJson(created), 201);
  r.headers.emplace_back("Location", "/v1/sites/" + id.str());
  return r;
}

Result<Response> ListNodes(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  std::optional<SiteId> site;
  if (const std::string* site_text = ctx.request.Query("site")) {
    Result<SiteId> id = SiteId::Parse(*site_text);
    if (!id.ok()) return NotFound("no site \"" + *site_text + "\"", "site");
    Result<store::SiteDetail> exists = ctx.services.store.GetSite(*id);
    if (!exists.ok()) {
      return Status(exists.status().code(), exists.status().message(), "site");
    }
    site = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(auto nodes, ctx.services.store.ListNodes(site, page));
  return JsonResponse(PageToJson(nodes));
}

}  // namespace

RouteFamily FleetRoutes() {
  return {.routes = {{"GET", "/v1/orgs", true, ListOrgs,
                      Roles(kOperator, kCompliance, kFinance, kAuditor)},
                     {"GET", "/v1/orgs/{id}", true, GetOrg,
                      Roles(kOperator, kCompliance, kFinance, kAuditor)},
                     {"GET", "/v1/sites", true, ListSites, kEveryRole},
                     {"POST", "/v1/sites", true, CreateSite, Roles(kOperator)},
                     {"GET", "/v1/sites/{id}", true, GetSite, kEveryRole},
                     {"GET", "/v1/nodes", true, ListNodes,
                      Roles(kOperator, kCompliance, kFinance, kAuditor)}},
          .operations =
              {{"get",
                "/v1/orgs",
                "fleet",
                "List organizations (operators and tenants)",
                {kLimitParam, kCursorParam},
                nullptr,
                {{"200", "OrganizationPage"}, {"400", "Error"}},
                true},
               {"get",
                "/v1/orgs/{id}",
                "fleet",
                "Get one organization",
                {{"id", "path", true, "Organization id."}},
                nullptr,
                {{"200", "Organization"}, {"404", "Error"}},
                true},
               {"get",
                "/v1/sites",
                "fleet",
                "List sites",
                {kLimitParam, kCursorParam},
                nullptr,
                {{"200", "SitePage"}, {"400", "Error"}},
                true},
               {"post",
                "/v1/sites",
                "fleet",
                "Create a site",
                {},
                "NewSite",
                {{"201", "SiteDetail"},
                 {"400", "Error"},
                 {"409", "Error"},
                 {"413", "Error"},
                 {"415", "Error"}},
                true},
               {"get",
                "/v1/sites/{id}",
                "fleet",
                "Get one site with its pods, nodes and GPUs by model",
                {{"id", "path", true, "Site id."}},
                nullptr,
                {{"200", "SiteDetail"}, {"404", "Error"}},
                true},
               {"get",
                "/v1/nodes",
                "fleet",
                "List nodes, optionally of one site",
                {{"site", "query", false, "Only nodes of this site."}, kLimitParam, kCursorParam},
                nullptr,
                {{"200", "NodePage"}, {"400", "Error"}, {"404", "Error"}},
                true}},
          .schemas = R"json({
    "Organization": {"type": "object", "required": ["id", "name", "hq", "kinds"], "properties": {
      "id": {"type": "string"}, "name": {"type": "string"},
      "aliases": {"type": "array", "items": {"type": "string"}},
      "hq": {"type": "string", "description": "ISO 3166-1 alpha-2 country of the headquarters."},
      "billing_country": {"type": "string"},
      "parent": {"type": ["string", "null"]},
      "kinds": {"type": "array", "items": {"enum": ["operator", "tenant"]}}}},
    "Site": {"type": "object", "required": ["id", "name", "country", "city", "operator"],
      "properties": {"id": {"type": "string"}, "name": {"type": "string"},
        "country": {"type": "string"}, "city": {"type": "string"},
        "operator": {"type": "string", "description": "Operator organization id."}}},
    "NewSite": {"$ref": "#/components/schemas/Site", "additionalProperties": false},
    "SiteDetail": {"allOf": [{"$ref": "#/components/schemas/Site"}, {"type": "object",
      "properties": {"pods": {"type": "integer"}, "nodes": {"type": "integer"},
        "gpus": {"type": "integer"},
        "gpus_by_model": {"type": "object", "additionalProperties": {"type": "integer"}}}}]},
    "Node": {"type": "object", "properties": {"hostname": {"type": "string"},
      "pod": {"type": "string"}, "site": {"type": "string"}, "model": {"type": "string"},
      "gpus": {"type": "integer"}}},
    "OrganizationPage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Organization"}},
      "next_cursor": {"type": ["string", "null"]}}},
    "SitePage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Site"}},
      "next_cursor": {"type": ["string", "null"]}}},
    "NodePage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
      "next_cursor": {"type": ["string", "null"]}}}
  })json"};
}

}  // namespace straits::api

// Organizations, sites and nodes.
#include "api/api.h"
#include "api/json_io.h"

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

void AddFleetRoutes(Router& router) {
  router.Add({"GET", "/v1/orgs", true, ListOrgs});
  router.Add({"GET", "/v1/orgs/{id}", true, GetOrg});
  router.Add({"GET", "/v1/sites", true, ListSites});
  router.Add({"POST", "/v1/sites", true, CreateSite});
  router.Add({"GET", "/v1/sites/{id}", true, GetSite});
  router.Add({"GET", "/v1/nodes", true, ListNodes});
}

}  // namespace straits::api

#include "api/openapi.h"

#include <boost/json.hpp>
#include <cctype>

#include "api/api.h"
#include "api/json_io.h"

namespace straits::api {
namespace {

struct Param {
  const char* name;
  const char* in;  // "path" or "query"
  bool required;
  const char* description;
};

struct Operation {
  const char* method;  // lower case, as OpenAPI keys are
  const char* path;
  const char* tag;
  const char* summary;
  std::vector<Param> params;
  const char* request_schema;                                  // component name or nullptr
  std::vector<std::pair<const char*, const char*>> responses;  // status -> schema (or nullptr)
  bool auth;
};

const Param kLimit{"limit", "query", false, "Page size, 1 to 1000 (default 100)."};
const Param kCursor{"cursor", "query", false,
                    "Opaque cursor from the previous page's next_cursor."};

const std::vector<Operation>& Operations() {
  static const std::vector<Operation> kOperations = {
      {"get",
       "/healthz",
       "meta",
       "Liveness and schema version",
       {},
       nullptr,
       {{"200", "Health"}},
       false},
      {"get", "/openapi.json", "meta", "This document", {}, nullptr, {{"200", nullptr}}, false},
      {"get",
       "/v1/orgs",
       "fleet",
       "List organizations (operators and tenants)",
       {kLimit, kCursor},
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
       {kLimit, kCursor},
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
       {{"site", "query", false, "Only nodes of this site."}, kLimit, kCursor},
       nullptr,
       {{"200", "NodePage"}, {"400", "Error"}, {"404", "Error"}},
       true},
      {"get",
       "/v1/accelerators",
       "classification",
       "List accelerator models with TPP, performance density and the ECCN in force",
       {{"date", "query", false, "Classify as of this UTC date (default today)."}, kLimit, kCursor},
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
       true},
  };
  return kOperations;
}

constexpr std::string_view kComponents = R"json({
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
    "description": "A token from `straits init` or `straits tokens create`."}},
  "schemas": {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
      "type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "examples": ["invalid_argument", "not_found", "unauthenticated"]},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "Field path the error is about."}}}}},
    "Health": {"type": "object", "properties": {"status": {"type": "string"},
      "schema_version": {"type": "integer"}, "time": {"type": "string", "format": "date-time"}}},
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
    "ClassificationReport": {"type": "object", "required": ["model", "tpp", "performance_density", "by_regime"],
      "properties": {"model": {"type": "string"}, "tpp": {"type": ["number", "null"]},
        "performance_density": {"type": ["number", "null"]},
        "eccn": {"type": "string", "enum": ["3A090.a", "3A090.b", "4A090.a", "4A090.b", "not_3A090", "undetermined"]},
        "regime_in_force": {"type": "string"},
        "by_regime": {"type": "array", "items": {"type": "object", "properties": {
          "regime": {"type": "string"}, "in_force": {"type": "boolean"},
          "eccn": {"type": "string"}, "reason": {"type": "string"}}}}}},
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
          "eccn": {"type": "string"}, "reason": {"type": "string"}}}}}},
    "NodePage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
      "next_cursor": {"type": ["string", "null"]}}}
  }
})json";

boost::json::object SchemaRef(const char* name) {
  return {{"$ref", std::string("#/components/schemas/") + name}};
}

std::string Upper(const char* s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<Response> ServeOpenApi(Context&) { return JsonResponse(OpenApiDocument()); }

}  // namespace

boost::json::value OpenApiDocument() {
  boost::json::object paths;
  for (const Operation& op : Operations()) {
    boost::json::object operation{{"summary", op.summary},
                                  {"tags", boost::json::array{op.tag}},
                                  {"operationId", std::string(op.method) + op.path}};
    boost::json::array params;
    for (const Param& p : op.params) {
      params.push_back(boost::json::object{{"name", p.name},
                                           {"in", p.in},
                                           {"required", p.required},
                                           {"description", p.description},
                                           {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) operation["parameters"] = std::move(params);
    if (op.request_schema) {
      operation["requestBody"] = {
          {"required", true},
          {"content", {{"application/json", {{"schema", SchemaRef(op.request_schema)}}}}}};
    }
    boost::json::object responses;
    for (const auto& [code, schema] : op.responses) {
      boost::json::object response{{"description", std::string("HTTP ") + code}};
      if (schema) {
        response["content"] = {{"application/json", {{"schema", SchemaRef(schema)}}}};
      }
      responses[code] = std::move(response);
    }
    if (op.auth) {
      responses["401"] = {{"description", "Missing, unknown, revoked or expired token"},
                          {"content", {{"application/json", {{"schema", SchemaRef("Error")}}}}}};
      operation["security"] =
          boost::json::array{boost::json::object{{"bearer", boost::json::array{}}}};
    }
    operation["responses"] = std::move(responses);
    boost::json::value& path_item = paths[op.path];
    if (!path_item.is_object()) path_item = boost::json::object();
    path_item.as_object()[op.method] = std::move(operation);
  }
  boost::json::object doc{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Straits API"},
        {"version", "1"},
        {"description",
         "Control plane for cross-border accelerator leasing: fleet, classification, "
         "compliance, placement, leases and billing. Errors are JSON objects "
         "{\"error\": {\"code\", \"message\", \"field\"}}."}}},
      {"paths", std::move(paths)},
      {"components", boost::json::parse(kComponents)}};
  return doc;
}

std::vector<std::pair<std::string, std::string>> DocumentedOperations() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Operation& op : Operations()) out.emplace_back(Upper(op.method), op.path);
  return out;
}

void AddOpenApiRoute(Router& router) { router.Add({"GET", "/openapi.json", false, ServeOpenApi}); }

}  // namespace straits::api

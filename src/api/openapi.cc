#include "api/openapi.h"

#include <boost/json.hpp>
#include <cctype>

#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"

namespace straits::api {
namespace {

constexpr std::string_view kBaseComponents = R"json({
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
    "description": "A token from `straits init` or `straits tokens create`."}},
  "schemas": {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
      "type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "examples": ["invalid_argument", "not_found", "unauthenticated"]},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "Field path the error is about."}}}}}
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

}  // namespace

boost::json::value OpenApiDocument() {
  boost::json::object paths;
  boost::json::value components = boost::json::parse(kBaseComponents);
  boost::json::object& schemas = components.as_object()["schemas"].as_object();
  std::vector<ApiOperation> operations;
  for (const RouteFamily& family : AllRouteFamilies()) {
    for (const ApiOperation& op : family.operations) operations.push_back(op);
    boost::json::value family_schemas = boost::json::parse(family.schemas);
    for (const auto& entry : family_schemas.as_object()) schemas[entry.key()] = entry.value();
  }
  for (const ApiOperation& op : operations) {
    boost::json::object operation{{"summary", op.summary},
                                  {"tags", boost::json::array{op.tag}},
                                  {"operationId", std::string(op.method) + op.path}};
    boost::json::array params;
    for (const ApiParam& p : op.params) {
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
      {"components", std::move(components)}};
  return doc;
}

std::vector<std::pair<std::string, std::string>> DocumentedOperations() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RouteFamily& family : AllRouteFamilies()) {
    for (const ApiOperation& op : family.operations) out.emplace_back(Upper(op.method), op.path);
  }
  return out;
}

}  // namespace straits::api

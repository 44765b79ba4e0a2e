#include "api/json_io.h"

#include <charconv>

namespace straits::api {
namespace {

std::string_view KindName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

}  // namespace

Result<boost::json::object> ParseJsonObject(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return InvalidArgument("malformed JSON body: " + ec.message());
  if (!value.is_object()) {
    return InvalidArgument("request body must be a JSON object, got " +
                           std::string(KindName(value)));
  }
  return std::move(value.as_object());
}

Status CheckKnownKeys(const boost::json::object& object,
                      std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : object) {
    bool known = false;
    for (std::string_view a : allowed) known = known || entry.key() == a;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return InvalidArgument("unknown field (accepted: " + list + ")", std::string(entry.key()));
    }
  }
  return Status::Ok();
}

Result<std::string> RequiredString(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return InvalidArgument("missing required field", std::string(key));
  if (!it->value().is_string()) {
    return InvalidArgument("expected a string, got " + std::string(KindName(it->value())),
                           std::string(key));
  }
  return std::string(it->value().as_string());
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return InvalidArgument("expected a string, got " + std::string(KindName(it->value())),
                           std::string(key));
  }
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Response JsonResponse(const boost::json::value& value, int status) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(value);
  return r;
}

boost::json::object ToJson(const fleet::Organization& org) {
  boost::json::array aliases;
  for (const std::string& a : org.aliases) aliases.emplace_back(a);
  boost::json::array kinds;
  if (org.is_operator) kinds.emplace_back("operator");
  if (org.is_tenant) kinds.emplace_back("tenant");
  boost::json::object out{{"id", org.id.str()},
                          {"name", org.name},
                          {"aliases", std::move(aliases)},
                          {"hq", org.hq.code()},
                          {"kinds", std::move(kinds)}};
  out["billing_country"] = org.billing_country ? org.billing_country->code() : org.hq.code();
  if (org.parent) {
    out["parent"] = org.parent->str();
  } else {
    out["parent"] = nullptr;
  }
  return out;
}

boost::json::object ToJson(const fleet::Site& site) {
  return {{"id", site.id.str()},
          {"name", site.name},
          {"country", site.country.code()},
          {"city", site.city},
          {"operator", site.operator_id.str()}};
}

boost::json::object ToJson(const store::SiteDetail& detail) {
  boost::json::object out = ToJson(detail.site);
  boost::json::object gpus;
  int total = 0;
  for (const auto& [model, count] : detail.gpus_by_model) {
    gpus[model.str()] = count;
    total += count;
  }
  out["pods"] = detail.pods;
  out["nodes"] = detail.nodes;
  out["gpus"] = total;
  out["gpus_by_model"] = std::move(gpus);
  return out;
}

boost::json::object ToJson(const fleet::Node& node) {
  return {{"hostname", node.hostname.str()},
          {"pod", node.pod.str()},
          {"site", node.site.str()},
          {"model", node.model.str()},
          {"gpus", node.gpus}};
}

Result<store::PageRequest> PageFromQuery(const Request& request) {
  store::PageRequest page;
  if (const std::string* limit = request.Query("limit")) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || ptr != limit->data() + limit->size() || value < 1 || value > 1000) {
      return InvalidArgument("limit must be a whole number from 1 to 1000, got \"" + *limit + "\"",
                             "limit");
    }
    page.limit = value;
  }
  if (const std::string* cursor = request.Query("cursor")) page.cursor = *cursor;
  return page;
}

}  // namespace straits::api

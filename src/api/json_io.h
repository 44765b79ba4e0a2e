// Reading request bodies and writing response bodies as JSON.
//
// Input helpers are strict: a body must be a JSON object, unknown keys are
// rejected, and a wrong type names the field and the expected type, e.g.
//   invalid_argument, field "country": expected a string, got a number.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"
#include "core/status.h"
#include "fleet/fleet.h"
#include "store/store.h"

namespace straits::api {

Result<boost::json::object> ParseJsonObject(const std::string& body);
Status CheckKnownKeys(const boost::json::object& object,
                      std::initializer_list<std::string_view> allowed);
Result<std::string> RequiredString(const boost::json::object& object, std::string_view key);
Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view key);

// 200 (or `status`) with the serialized value.
Response JsonResponse(const boost::json::value& value, int status = 200);

boost::json::object ToJson(const fleet::Organization& org);
boost::json::object ToJson(const fleet::Site& site);
boost::json::object ToJson(const store::SiteDetail& detail);
boost::json::object ToJson(const fleet::Node& node);

// {"items": [...], "next_cursor": "..." | null}
template <typename T>
boost::json::object PageToJson(const store::Page<T>& page) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const T& item : page.items) items.push_back(ToJson(item));
  boost::json::object out{{"items", std::move(items)}};
  if (page.next_cursor.empty()) {
    out["next_cursor"] = nullptr;
  } else {
    out["next_cursor"] = page.next_cursor;
  }
  return out;
}

// Reads ?limit= and ?cursor=; invalid_argument (field "limit") outside 1..1000.
Result<store::PageRequest> PageFromQuery(const Request& request);

}  // namespace straits::api

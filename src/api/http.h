// Transport-neutral HTTP request and response used by the API layer, so that
// routing, handlers and their tests never include Boost.Beast (which only
// server.cc does).
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace straits::api {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query, e.g. "/v1/sites/sg-1"
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string authorization;                      // Authorization header, verbatim
  std::string content_type;                       // Content-Type header, verbatim
  std::string idempotency_key;                    // Idempotency-Key header, verbatim
  std::string cookie;                             // Cookie header, verbatim
  std::string csrf_token;                         // X-CSRF-Token header, verbatim
  std::string body;

  // First value of query parameter `name`, or nullptr.
  const std::string* Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

}  // namespace straits::api

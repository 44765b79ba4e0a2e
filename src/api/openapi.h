// The OpenAPI 3.1 description of every route, served at GET /openapi.json.
//
// The document is written here by hand, apart from the route table, so that a
// test can compare the two: a route registered without documentation (or
// documentation of a route that does not exist) fails the build's tests.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

namespace straits::api {

boost::json::value OpenApiDocument();

// (method, path) of every documented operation, methods upper-case.
std::vector<std::pair<std::string, std::string>> DocumentedOperations();

}  // namespace straits::api

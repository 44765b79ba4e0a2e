// The one place where canonical status codes become HTTP statuses, and the
// JSON error body every API error uses:
//   {"error": {"code": "invalid_argument", "message": "...", "field": "country"}}
#pragma once

#include "api/http.h"
#include "core/status.h"

namespace straits::api {

int HttpStatusFor(StatusCode code);

// A JSON error response for a non-OK status.
Response ErrorResponse(const Status& status);

// Errors that have no canonical code of their own.
Response MethodNotAllowed(const std::string& method, const std::string& allowed);
Response PayloadTooLarge(size_t limit_bytes);
Response UnsupportedMediaType(const std::string& content_type);

}  // namespace straits::api

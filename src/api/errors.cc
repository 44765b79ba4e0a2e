#include "api/errors.h"

#include <boost/json.hpp>

namespace straits::api {
namespace {

Response ErrorBody(int http_status, std::string_view code, const std::string& message,
                   const std::string& field) {
  boost::json::object error{{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  Response r;
  r.status = http_status;
  r.body = boost::json::serialize(boost::json::object{{"error", std::move(error)}});
  return r;
}

}  // namespace

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status) {
  Response r = ErrorBody(HttpStatusFor(status.code()), StatusCodeName(status.code()),
                         status.message(), status.field());
  if (status.code() == StatusCode::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return r;
}

Response MethodNotAllowed(const std::string& method, const std::string& allowed) {
  Response r = ErrorBody(405, "method_not_allowed",
                         "method " + method + " is not allowed here; allowed: " + allowed, "");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

Response PayloadTooLarge(size_t limit_bytes) {
  return ErrorBody(413, "payload_too_large",
                   "request body exceeds the limit of " + std::to_string(limit_bytes) + " bytes",
                   "");
}

Response UnsupportedMediaType(const std::string& content_type) {
  return ErrorBody(415, "unsupported_media_type",
                   "Content-Type \"" + content_type + "\" is not supported; send application/json",
                   "");
}

}  // namespace straits::api

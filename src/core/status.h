// Status and Result<T>: how every fallible function in Straits reports failure.
//
// No exceptions cross our own interfaces. A function that can fail returns
// `Status` (no value) or `Result<T>` (a value or a Status). Codes are the fixed
// canonical set below; `HttpStatusFor` (api/) and `ExitCodeFor` (cli/) map them
// in exactly one place each.
//
// A Status names what was wrong, where (`field`: a JSON/TOML field path such as
// `sites[2].country`, or a `file:line:col` location) and what is accepted.
//
//   Result<Country> c = Country::Parse("SG");
//   if (!c.ok()) return c.status();
//   STRAITS_ASSIGN_OR_RETURN(Country sg, Country::Parse("SG"));
//
// Thread-safety: value types; distinct objects may be used from any thread.
#pragma once

#include <cassert>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace straits {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is malformed or out of range
  kNotFound,            // a named entity does not exist
  kAlreadyExists,       // creating something whose id is taken
  kFailedPrecondition,  // the system is not in a state that allows this
  kAborted,             // a concurrent change won; retrying may succeed
  kUnavailable,         // a dependency (database, cluster) cannot be reached
  kResourceExhausted,   // a limit (size, quota, capacity) is exceeded
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no valid credentials
  kInternal,            // a bug or a broken invariant
};

// The snake_case name used in JSON errors and logs, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Field path or file location the error is about; empty if none.
  const std::string& field() const { return field_; }

  // Returns a copy whose field is `prefix` joined in front of this field:
  // WithFieldPrefix("sites[0]") turns "country" into "sites[0].country".
  Status WithFieldPrefix(std::string_view prefix) const;

  // "invalid_argument: country: unknown country code \"XX\"".
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

Status InvalidArgument(std::string message, std::string field = {});
Status NotFound(std::string message, std::string field = {});
Status AlreadyExists(std::string message, std::string field = {});
Status FailedPrecondition(std::string message, std::string field = {});
Status Aborted(std::string message);
Status Unavailable(std::string message);
Status ResourceExhausted(std::string message, std::string field = {});
Status PermissionDenied(std::string message);
Status Unauthenticated(std::string message);
Status Internal(std::string message);

// A value of T or a non-OK Status. Shaped like std::expected (absent in g++ 12).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // The error; an OK Status when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace straits

#define STRAITS_CONCAT_INNER(a, b) a##b
#define STRAITS_CONCAT(a, b) STRAITS_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define STRAITS_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::straits::Status straits_status_ = (expr);        \
    if (!straits_status_.ok()) return straits_status_; \
  } while (0)

// `STRAITS_ASSIGN_OR_RETURN(T x, ResultExpr)`: declares x from the value, or
// returns the error from the enclosing function.
#define STRAITS_ASSIGN_OR_RETURN(decl, expr) \
  STRAITS_ASSIGN_OR_RETURN_IMPL(STRAITS_CONCAT(straits_result_, __LINE__), decl, expr)
#define STRAITS_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  decl = std::move(tmp).value()

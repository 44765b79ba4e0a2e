// The one place where canonical status codes become process exit codes:
//   0  success
//   2  usage error: bad flags or bad input (invalid_argument)
//   1  any other failure (not found, unavailable database, internal, ...)
#pragma once

#include "core/status.h"

namespace straits::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int ExitCodeFor(StatusCode code);

// Prints "error: FIELD: MESSAGE" to stderr and returns ExitCodeFor(status).
int ReportError(const Status& status);

}  // namespace straits::cli

#include "cli/exit_codes.h"

#include <cstdio>

namespace straits::cli {

int ExitCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int ReportError(const Status& status) {
  if (status.field().empty()) {
    std::fprintf(stderr, "error: %s\n", status.message().c_str());
  } else {
    std::fprintf(stderr, "error: %s: %s\n", status.field().c_str(), status.message().c_str());
  }
  return ExitCodeFor(status.code());
}

}  // namespace straits::cli

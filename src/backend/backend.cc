#include "backend/backend.h"

namespace straits::backend {

std::string_view DriftKindName(Drift::Kind kind) {
  switch (kind) {
    case Drift::Kind::kMissing:
      return "missing";
    case Drift::Kind::kExtra:
      return "extra";
    case Drift::Kind::kMismatched:
      return "mismatched";
  }
  return "unknown";
}

}  // namespace straits::backend

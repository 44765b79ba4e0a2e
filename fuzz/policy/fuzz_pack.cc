// libFuzzer target: any bytes given to the rule-pack parser either load or
// give an invalid_argument with a FILE:LINE:COL field; never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/pack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  straits::Result<straits::policy::Pack> pack =
      straits::policy::ParsePack(text, "fuzz.toml", nullptr);
  if (!pack.ok()) {
    const straits::Status& status = pack.status();
    if (status.code() != straits::StatusCode::kInvalidArgument &&
        status.code() != straits::StatusCode::kFailedPrecondition) {
      std::abort();
    }
    if (status.field().rfind("fuzz.toml", 0) != 0) std::abort();
  }
  return 0;
}

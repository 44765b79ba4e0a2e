#include "billing/default_fx.h"

namespace straits::embedded {
extern const std::string_view kFxUsdRatesCsv;
}  // namespace straits::embedded

namespace straits::billing {

std::string_view DefaultFxCsv() { return embedded::kFxUsdRatesCsv; }

}  // namespace straits::billing

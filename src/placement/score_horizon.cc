#include "placement/score_horizon.h"

#include <cmath>

namespace straits::placement {

Seconds LatestStartReaching(double needed, Seconds duration, Seconds earliest, Seconds latest,
                            bool ties) {
  // The score is 100 at no delay and falls towards 0; 1e-9 absorbs rounding in
  // `needed` (a sum and a quotient of scores).
  constexpr double kSlack = 1e-9;
  if (needed <= 0) return latest;
  if (needed > 100 + kSlack || (!ties && needed >= 100 - kSlack)) return earliest - 1;
  if (needed >= 100 - kSlack) return earliest;  // a tie at the earliest start
  const double max_delay = static_cast<double>(duration) * (100.0 / needed - 1.0);
  if (max_delay + 1 >= static_cast<double>(latest - earliest)) return latest;
  return earliest + static_cast<Seconds>(std::floor(max_delay)) + 1;
}

}  // namespace straits::placement

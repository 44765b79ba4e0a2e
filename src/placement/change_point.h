// A node's usage as a step function: the calendar's change points.
#pragma once

#include <cstdint>

namespace straits::placement {

using Seconds = int64_t;

// One change point of a node's usage: from `time` on, `used` GPUs are taken.
struct ChangePoint {
  Seconds time = 0;
  int32_t used = 0;
};

}  // namespace straits::placement

// Expands Slurm-style host lists so a fleet file can name 32 nodes in one line:
//
//   ExpandHostList("sgj1-h100-[001-004]") -> sgj1-h100-001 .. sgj1-h100-004
//   ExpandHostList("gpu[1-2,7]")          -> gpu1 gpu2 gpu7
//   ExpandHostList("plain-host")          -> plain-host
//
// Zero padding follows the width of the lower bound. One bracket group only.
// Returns invalid_argument for malformed groups, reversed ranges, or more than
// 100,000 names.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace straits::fleet {

Result<std::vector<std::string>> ExpandHostList(std::string_view pattern);

}  // namespace straits::fleet

// Parses a fleet file (TOML) into a Fleet. Format (docs/fleet-format.md):
//
//   [[organization]]
//   id = "lotus-ai-sg"          name = "Lotus AI Pte. Ltd."
//   hq = "SG"                   parent = "lotus-group"      # optional
//   kinds = ["tenant"]          # "operator" and/or "tenant"
//   aliases = ["Lotus SG"]      # optional
//   billing_country = "SG"      # optional, defaults to hq
//
//   [[site]]   id, name, country, city, operator
//   [[pod]]    id, site
//   [[node]]   hostname = "sgj1-h100-[001-032]", pod, model, gpus
//
// Every error is invalid_argument with field "FILE:LINE" (or FILE:LINE:COL for
// TOML syntax) and a message naming the key and what is accepted. Unknown
// keys and tables are errors. Parsing checks types and formats only; references
// between entities are checked by ValidateFleet (fleet/validate.h).
//
// Thread-safety: pure function.
#pragma once

#include <string_view>

#include "core/status.h"
#include "fleet/fleet.h"

namespace straits::fleet {

Result<Fleet> ParseFleetToml(std::string_view text, std::string_view source_name);

}  // namespace straits::fleet

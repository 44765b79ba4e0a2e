// Parsers for the text Slurm's commands print (22.05): `scontrol -o show
// reservation` (one line per reservation, key=value; keys may repeat), Slurm
// host lists ("sg1-n[1-2],gpu7"), times ("2026-11-29T02:02:44", read as UTC:
// the backend runs every command with TZ=UTC) and TRES strings
// ("billing=1,cpu=1,gres/gpu=2,node=1").
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace straits::backend::slurm {

struct ReservationInfo {
  std::string name;
  Instant start;
  Instant end;
  std::vector<std::string> nodes;     // expanded, sorted
  std::vector<std::string> accounts;  // sorted
  std::string flags;
  std::string state;  // ACTIVE, INACTIVE
};

// Every reservation in the output of `scontrol -o show reservation`;
// "No reservations in the system" is an empty list. invalid_argument naming
// the line for a line without a name or with unreadable times.
Result<std::vector<ReservationInfo>> ParseReservations(std::string_view text);

// "sg1-n[1-2],gpu7" -> sg1-n1 sg1-n2 gpu7 (brackets may hold ranges and lists).
Result<std::vector<std::string>> ExpandSlurmHostList(std::string_view list);

// "2026-11-29T02:02:44" as UTC; nullopt for "Unknown", "None", empty.
std::optional<Instant> ParseSlurmTime(std::string_view text);
// "2026-11-29T02:02:44" (UTC, as Slurm reads it with TZ=UTC).
std::string FormatSlurmTime(Instant t);

// The count of `name` ("gres/gpu") in a TRES string; 0 when absent.
int64_t TresCount(std::string_view tres, std::string_view name);

// The lines of `text` split on '|' (sacct/squeue/sacctmgr parsable output),
// empty lines skipped.
std::vector<std::vector<std::string>> ParseParsable(std::string_view text);

}  // namespace straits::backend::slurm

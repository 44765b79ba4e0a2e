// Reserved-but-idle time of a lease at a Slurm site: the GPU time the lease
// reserved on a node that none of its jobs used. Straits bills it as reserved
// time by the lease's terms (Slurm splits idle reserved time among all the
// accounts of a reservation and truncates it, so it is computed here).
//
// For one node of a lease and one closed stretch [from, to) of its interval,
// split at window boundaries (UTC hours by default, so no piece straddles an
// invoice month), each piece's
//   reserved = GPUs leased on the node × piece length
//   used     = Σ over the lease's jobs on the node: job GPUs × overlap with the piece
//   idle     = max(0, reserved − used)
// Jobs still running count from their start to the piece's end (a stretch is
// closed only up to a time the poller has seen, so a running job covers all of
// it). Concurrent jobs add up; their sum can exceed `reserved` only if Slurm
// let them, and idle is then 0, never negative.
//
//   std::vector<ReservedPiece> pieces =
//       ReservedPieces(4, T(9), T(11), Duration::Hours(1), jobs_on_node);
//
// Pure: no I/O, no clock. Thread-safety: free functions, safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/time.h"

namespace straits::backend {

// GPU time a job held on one node: `gpus` from `start` to `end`, or still
// running (no end).
struct JobSpan {
  Instant start;
  std::optional<Instant> end;
  int64_t gpus = 0;
};

struct ReservedPiece {
  Instant start;
  Instant end;           // exclusive
  int64_t reserved = 0;  // GPU-seconds
  int64_t used = 0;      // GPU-seconds of the jobs inside the piece
  int64_t idle = 0;      // max(0, reserved − used)
};

// The pieces of [from, to) cut at multiples of `window` since the Unix epoch
// (`window` must divide a day; 1 h when it is not positive), with what the
// jobs used of each. Empty when to <= from.
std::vector<ReservedPiece> ReservedPieces(int64_t leased_gpus, Instant from, Instant to,
                                          Duration window, std::span<const JobSpan> jobs);

// How far the reserved time of a lease interval [start, end) can be closed
// once every job overlapping it up to `seen` is known: the lease's end if it
// is at or before `seen`, else `seen` rounded down to a window boundary, and
// never before `start` (nothing to close yet: returns `start`).
Instant ClosableUntil(Instant start, Instant end, Instant seen, Duration window);

}  // namespace straits::backend

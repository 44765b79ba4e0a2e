// A lease book: a JSON-lines file of what happened to leases, replayed through
// the lease service with a clock that stands at each entry's time. The demo
// database gets its history this way (completed, active and future leases,
// reviews, denials, a compliance hold), the same every time for the same
// anchor, with every decision and audit entry made as they would have been.
//
//   {"at": "-40d", "op": "request", "ref": "r1",
//    "request": {... as POST /v1/leases; start, earliest, latest_end may be offsets ...}}
//   {"at": "-39d", "op": "approve", "ref": "r1", "reason": "...", "license": "EX-1"}
//   {"at": "-30d", "op": "deny", "ref": "r2", "reason": "..."}
//   {"at": "-20d", "op": "cancel", "ref": "r3"}
//   {"at": "-10d", "op": "extend", "ref": "r4", "to": "+12d"}
//   {"at": "-5d", "op": "fleet", "file": "leases-acquisition.toml"}   // next to the book
//   {"at": "-5d", "op": "reevaluate", "why": "..."}
//
// Times are ISO 8601 instants or offsets from the anchor ("-38d", "+1d12h").
// Entries are in time order and none lies after the anchor: the book is what
// happened up to it. Every line is read and checked before the first is
// replayed, so a malformed line anywhere changes nothing. Before each entry the clock moves to its
// time and the service ticks (activations, completions, expired review holds); after the last, the
// clock moves to the anchor and ticks once more.
//
// A request no site can host (the book was written for an emptier calendar)
// is counted as refused, and later entries about it are skipped. A change the
// service refuses (an extension onto GPUs another lease holds, a transition
// the lease's state no longer allows) is listed in `refused_changes`.
//
// Every change carries an idempotency key made of the anchor and the line. A
// book whose last request was already replayed with the same anchor is not
// replayed again (`already_imported`), so a second import changes nothing; an
// import interrupted midway is completed by running it again (the lines it
// finished answer as they did the first time).
//
// Errors: invalid_argument naming "file:line" and the key, not_found (a tenant
// or site the world does not have), and those of the service.
//
// Thread-safety: one replay at a time per service.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "lease/service.h"
#include "lease_store/lease_store.h"
#include "store/store.h"

namespace straits::lease {

struct BookReport {
  int requests = 0;
  int scheduled = 0;  // as first answered
  int pending = 0;
  int denied = 0;
  int refused = 0;  // no site could host it: nothing recorded
  int changes = 0;  // approve, deny, cancel, extend
  int skipped = 0;  // changes to a request that was refused
  // Changes the service refused when replayed ("file:line: op lease: why").
  std::vector<std::string> refused_changes;
  int moved = 0;  // by the clock: activations, completions, expiries, holds
  int held = 0;   // leases on compliance hold after the replay that were not before
  bool already_imported = false;
};

// When the replay's clock must start: the first entry's time, or the anchor
// for an empty book. A calendar opened later than this forgets the past the
// book fills in.
Result<Instant> BookStart(std::string_view text, const std::string& source, Instant anchor);

// Replays `text` (read from `source`, whose directory holds files the book
// names) through `service`, whose clock must be `clock` and whose lease store
// is `leases`.
Result<BookReport> ReplayBook(std::string_view text, const std::string& source, Instant anchor,
                              LeaseService& service, lease_store::LeaseStore& leases,
                              store::Store& store, FakeClock& clock);

}  // namespace straits::lease

#include "lease/lease.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace straits::lease {
namespace {

constexpr std::array<std::string_view, kStateCount> kStateNames = {
    "requested", "pending_review", "denied",     "scheduled",       "active",
    "completed", "cancelled",      "terminated", "compliance_hold", "expired"};

constexpr std::array<std::string_view, kEventCount> kEventNames = {"place_allowed",
                                                                   "place_needs_review",
                                                                   "place_prohibited",
                                                                   "approve",
                                                                   "deny",
                                                                   "cancel",
                                                                   "terminate",
                                                                   "expire",
                                                                   "start",
                                                                   "finish",
                                                                   "hold",
                                                                   "extend"};

constexpr size_t Index(State s) { return static_cast<size_t>(s); }
constexpr size_t Index(Event e) { return static_cast<size_t>(e); }

// kTable[from][event]: the next state, or kNone.
constexpr int8_t kNone = -1;
using Row = std::array<int8_t, kEventCount>;

constexpr std::array<Row, kStateCount> BuildTable() {
  std::array<Row, kStateCount> t{};
  for (Row& row : t) row.fill(kNone);
  auto set = [&t](State from, Event e, State to) {
    t[Index(from)][Index(e)] = static_cast<int8_t>(to);
  };
  set(State::kRequested, Event::kPlaceAllowed, State::kScheduled);
  set(State::kRequested, Event::kPlaceNeedsReview, State::kPendingReview);
  set(State::kRequested, Event::kPlaceProhibited, State::kDenied);

  set(State::kPendingReview, Event::kApprove, State::kScheduled);
  set(State::kPendingReview, Event::kDeny, State::kDenied);
  set(State::kPendingReview, Event::kCancel, State::kCancelled);
  set(State::kPendingReview, Event::kExpire, State::kExpired);
  set(State::kPendingReview, Event::kExtend, State::kPendingReview);

  set(State::kScheduled, Event::kStart, State::kActive);
  set(State::kScheduled, Event::kCancel, State::kCancelled);
  set(State::kScheduled, Event::kHold, State::kComplianceHold);
  set(State::kScheduled, Event::kExtend, State::kScheduled);

  set(State::kActive, Event::kFinish, State::kCompleted);
  set(State::kActive, Event::kTerminate, State::kTerminated);
  set(State::kActive, Event::kHold, State::kComplianceHold);
  set(State::kActive, Event::kExtend, State::kActive);

  set(State::kComplianceHold, Event::kApprove, State::kScheduled);
  set(State::kComplianceHold, Event::kDeny, State::kDenied);
  set(State::kComplianceHold, Event::kCancel, State::kCancelled);
  set(State::kComplianceHold, Event::kTerminate, State::kTerminated);
  set(State::kComplianceHold, Event::kExpire, State::kExpired);
  return t;
}

constexpr std::array<Row, kStateCount> kTable = BuildTable();

}  // namespace

std::string_view StateName(State state) { return kStateNames[Index(state)]; }

Result<State> ParseState(std::string_view text, std::string_view field) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == text) return static_cast<State>(i);
  }
  std::string accepted;
  for (std::string_view name : kStateNames) {
    accepted += (accepted.empty() ? "" : ", ") + std::string(name);
  }
  return InvalidArgument("unknown state \"" + std::string(text) + "\" (accepted: " + accepted + ")",
                         std::string(field));
}

bool IsTerminal(State state) {
  for (size_t e = 0; e < kEventCount; ++e) {
    if (kTable[Index(state)][e] != kNone) return false;
  }
  return true;
}

bool HoldsCapacity(State state) {
  return state == State::kPendingReview || state == State::kScheduled || state == State::kActive ||
         state == State::kComplianceHold;
}

bool KeepsAllocations(State state) {
  return HoldsCapacity(state) || state == State::kCompleted || state == State::kTerminated;
}

std::string_view EventName(Event event) { return kEventNames[Index(event)]; }

std::optional<State> Next(State from, Event event) {
  const int8_t to = kTable[Index(from)][Index(event)];
  if (to == kNone) return std::nullopt;
  return static_cast<State>(to);
}

Status RefusedTransition(const LeaseId& id, State from, Event event) {
  std::string allowed;
  for (size_t s = 0; s < kStateCount; ++s) {
    if (kTable[s][Index(event)] != kNone) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(kStateNames[s]);
    }
  }
  return FailedPrecondition("lease " + id.str() + " is " + std::string(StateName(from)) + "; " +
                                std::string(EventName(event)) +
                                " applies only to leases that are " +
                                (allowed.empty() ? std::string("(none)") : allowed),
                            "state");
}

Event PlacementEvent(policy::Verdict verdict) {
  switch (verdict) {
    case policy::Verdict::kAllowed:
      return Event::kPlaceAllowed;
    case policy::Verdict::kConditions:
    case policy::Verdict::kLicenseRequired:
      return Event::kPlaceNeedsReview;
    case policy::Verdict::kProhibited:
      return Event::kPlaceProhibited;
  }
  return Event::kPlaceProhibited;
}

LeaseId LeaseIdFromSeq(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "lease-%06lld", static_cast<long long>(seq));
  return *LeaseId::Parse(buf);
}

std::optional<int64_t> SeqFromLeaseId(std::string_view id) {
  constexpr std::string_view kPrefix = "lease-";
  if (id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view digits = id.substr(kPrefix.size());
  if (digits.size() < 6) return std::nullopt;
  int64_t seq = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || seq < 1) return std::nullopt;
  // One spelling per lease: "lease-0000042" does not name lease 42.
  if (LeaseIdFromSeq(seq).str() != id) return std::nullopt;
  return seq;
}

Status ValidateSpec(const LeaseSpec& spec) {
  if (spec.tenant.empty()) return InvalidArgument("missing tenant", "tenant");
  if (spec.gpus < 1) return InvalidArgument("must be 1 or more", "gpus");
  if (spec.gpus > 1'000'000) return InvalidArgument("must be at most 1000000", "gpus");
  if (spec.duration.seconds() <= 0) return InvalidArgument("must be longer than 0s", "duration");
  if (spec.latest_end && *spec.latest_end - spec.earliest_start < spec.duration) {
    return InvalidArgument("the window from " + spec.earliest_start.ToString() + " to " +
                               spec.latest_end->ToString() + " is shorter than the duration " +
                               spec.duration.ToString(),
                           "latest_end");
  }
  if (spec.min_tpp && (!std::isfinite(*spec.min_tpp) || *spec.min_tpp < 0)) {
    return InvalidArgument("must be a finite number >= 0", "min_tpp");
  }
  if (spec.models.empty() && !spec.min_tpp) {
    return InvalidArgument("give acceptable accelerator models or a minimum TPP", "models");
  }
  if (spec.training_flop && (!std::isfinite(*spec.training_flop) || *spec.training_flop <= 0)) {
    return InvalidArgument("must be a finite number > 0", "training_flop");
  }
  if (spec.max_price_per_gpu_hour && spec.max_price_per_gpu_hour->minor_units() < 0) {
    return InvalidArgument("must not be negative", "max_price_per_gpu_hour");
  }
  return Status::Ok();
}

}  // namespace straits::lease

#include "lease/lease.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "lease/json.h"

namespace straits::lease {
namespace {

constexpr State kAllStates[] = {State::kRequested, State::kPendingReview, State::kDenied,
                                State::kScheduled, State::kActive,        State::kCompleted,
                                State::kCancelled, State::kTerminated,    State::kComplianceHold,
                                State::kExpired};
constexpr Event kAllEvents[] = {Event::kPlaceAllowed,
                                Event::kPlaceNeedsReview,
                                Event::kPlaceProhibited,
                                Event::kApprove,
                                Event::kDeny,
                                Event::kCancel,
                                Event::kTerminate,
                                Event::kExpire,
                                Event::kStart,
                                Event::kFinish,
                                Event::kHold,
                                Event::kExtend};

// The lifecycle of issue 6, written out once more as data: every allowed
// transition. Anything not listed must be refused.
const std::set<std::tuple<State, Event, State>>& Allowed() {
  static const auto* allowed = new std::set<std::tuple<State, Event, State>>{
      {State::kRequested, Event::kPlaceAllowed, State::kScheduled},
      {State::kRequested, Event::kPlaceNeedsReview, State::kPendingReview},
      {State::kRequested, Event::kPlaceProhibited, State::kDenied},
      {State::kPendingReview, Event::kApprove, State::kScheduled},
      {State::kPendingReview, Event::kDeny, State::kDenied},
      {State::kPendingReview, Event::kCancel, State::kCancelled},
      {State::kPendingReview, Event::kExpire, State::kExpired},
      {State::kPendingReview, Event::kExtend, State::kPendingReview},
      {State::kScheduled, Event::kStart, State::kActive},
      {State::kScheduled, Event::kCancel, State::kCancelled},
      {State::kScheduled, Event::kHold, State::kComplianceHold},
      {State::kScheduled, Event::kExtend, State::kScheduled},
      {State::kActive, Event::kFinish, State::kCompleted},
      {State::kActive, Event::kTerminate, State::kTerminated},
      {State::kActive, Event::kHold, State::kComplianceHold},
      {State::kActive, Event::kExtend, State::kActive},
      {State::kComplianceHold, Event::kApprove, State::kScheduled},
      {State::kComplianceHold, Event::kDeny, State::kDenied},
      {State::kComplianceHold, Event::kCancel, State::kCancelled},
      {State::kComplianceHold, Event::kTerminate, State::kTerminated},
      {State::kComplianceHold, Event::kExpire, State::kExpired},
  };
  return *allowed;
}

TEST(LeaseStateMachine, AllowsExactlyTheLifecycleTransitions) {
  int allowed = 0, refused = 0;
  for (State from : kAllStates) {
    for (Event event : kAllEvents) {
      std::optional<State> to = Next(from, event);
      bool expected = false;
      for (const auto& [f, e, t] : Allowed()) {
        if (f == from && e == event) {
          expected = true;
          ASSERT_TRUE(to.has_value()) << StateName(from) << " --" << EventName(event) << "-->";
          EXPECT_EQ(*to, t) << StateName(from) << " --" << EventName(event) << "-->";
        }
      }
      if (!expected) {
        EXPECT_FALSE(to.has_value()) << StateName(from) << " --" << EventName(event) << "--> "
                                     << StateName(*to) << " should be refused";
        Status s = RefusedTransition(*LeaseId::Parse("lease-000007"), from, event);
        EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
        EXPECT_NE(s.message().find(std::string(StateName(from))), std::string::npos);
        ++refused;
      } else {
        ++allowed;
      }
    }
  }
  EXPECT_EQ(allowed, 21);
  EXPECT_EQ(refused, 10 * 12 - 21);
}

TEST(LeaseStateMachine, TerminalStatesAndCapacity) {
  for (State s : kAllStates) {
    const bool terminal = s == State::kDenied || s == State::kCompleted || s == State::kCancelled ||
                          s == State::kTerminated || s == State::kExpired;
    EXPECT_EQ(IsTerminal(s), terminal) << StateName(s);
    const bool holds = s == State::kPendingReview || s == State::kScheduled ||
                       s == State::kActive || s == State::kComplianceHold;
    EXPECT_EQ(HoldsCapacity(s), holds) << StateName(s);
    EXPECT_EQ(KeepsAllocations(s), holds || s == State::kCompleted || s == State::kTerminated);
  }
}

TEST(LeaseStateMachine, NamesRoundTrip) {
  for (State s : kAllStates) {
    Result<State> parsed = ParseState(StateName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  Result<State> bad = ParseState("running", "--state");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().field(), "--state");
  EXPECT_NE(bad.status().message().find("compliance_hold"), std::string::npos);
}

TEST(LeaseStateMachine, VerdictsLeadToPlacementEvents) {
  EXPECT_EQ(PlacementEvent(policy::Verdict::kAllowed), Event::kPlaceAllowed);
  EXPECT_EQ(PlacementEvent(policy::Verdict::kConditions), Event::kPlaceNeedsReview);
  EXPECT_EQ(PlacementEvent(policy::Verdict::kLicenseRequired), Event::kPlaceNeedsReview);
  EXPECT_EQ(PlacementEvent(policy::Verdict::kProhibited), Event::kPlaceProhibited);
}

TEST(LeaseIds, RoundTripAndRejectOtherSpellings) {
  EXPECT_EQ(LeaseIdFromSeq(42).str(), "lease-000042");
  EXPECT_EQ(LeaseIdFromSeq(1234567).str(), "lease-1234567");
  EXPECT_EQ(SeqFromLeaseId("lease-000042"), 42);
  EXPECT_EQ(SeqFromLeaseId("lease-1234567"), 1234567);
  for (const char* bad :
       {"lease-42", "lease-0000042", "lease-000000", "L-000042", "lease-00004x", "", "lease-"}) {
    EXPECT_FALSE(SeqFromLeaseId(bad).has_value()) << bad;
  }
}

Instant At(const char* text) { return *Instant::Parse(text); }

TEST(LeaseSpecJson, ParsesAFixedStartAndAWindow) {
  const Instant now = At("2026-11-01");
  auto fixed = SpecFromJson(boost::json::parse(R"({"tenant": "acme", "gpus": 16,
      "accelerators": ["h100-sxm"], "scope": "pod", "start": "2026-12-01", "duration": "72h",
      "sites": ["my-johor-1"], "max_price": "3.50 USD", "training_flop": 3e24})")
                                .as_object(),
                            now);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->gpus, 16);
  EXPECT_EQ(fixed->scope, placement::Scope::kPod);
  EXPECT_EQ(fixed->earliest_start, At("2026-12-01"));
  EXPECT_EQ(fixed->latest_end, At("2026-12-04"));
  EXPECT_EQ(fixed->end_use, policy::EndUse::kTraining);  // implied by training_flop
  EXPECT_EQ(fixed->max_price_per_gpu_hour->minor_units(), 350);

  auto window = SpecFromJson(
      boost::json::parse(R"({"tenant": "acme", "gpus": 8, "min_tpp": 4800, "duration": "1d"})")
          .as_object(),
      now);
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(window->earliest_start, now);
  EXPECT_FALSE(window->latest_end.has_value());

  // The normalized form parses back to the same spec.
  auto again = SpecFromJson(SpecToJson(*fixed), At("2000-01-01"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *fixed);
}

TEST(LeaseSpecJson, NamesTheBadField) {
  const Instant now = At("2026-11-01");
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"gpus": 8, "accelerators": ["h100-sxm"], "duration": "1d"})", "tenant"},
      {R"({"tenant": "a b", "gpus": 8, "accelerators": ["h100-sxm"], "duration": "1d"})", "tenant"},
      {R"({"tenant": "a", "gpus": 0, "accelerators": ["h100-sxm"], "duration": "1d"})", "gpus"},
      {R"({"tenant": "a", "gpus": 2.5, "accelerators": ["h100-sxm"], "duration": "1d"})", "gpus"},
      {R"({"tenant": "a", "gpus": 8, "duration": "1d"})", "accelerators"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x", "x"], "duration": "1d"})",
       "accelerators[1]"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"]})", "duration"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "soon"})", "duration"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "start": "2026-12-01",
          "earliest": "2026-12-01"})",
       "start"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "3d",
          "earliest": "2026-12-01", "latest_end": "2026-12-02"})",
       "latest_end"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "scope": "rack"})",
       "scope"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "max_price": "3"})",
       "max_price"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "purpose": "mining"})",
       "purpose"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "colour": "red"})",
       "colour"},
      {R"({"tenant": "a", "gpus": 8, "accelerators": ["x"], "duration": "1d", "sites": "s1"})",
       "sites"},
  };
  for (const Case& c : cases) {
    auto spec = SpecFromJson(boost::json::parse(c.body).as_object(), now);
    ASSERT_FALSE(spec.ok()) << c.body;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(spec.status().field(), c.field) << c.body << ": " << spec.status();
  }
}

TEST(LeaseJson, PlacementRoundTrips) {
  LeasePlacement p{*SiteId::Parse("s1"),
                   *ModelId::Parse("h100-sxm"),
                   At("2026-12-01"),
                   At("2026-12-04"),
                   {{*NodeId::Parse("n1"), 8}, {*NodeId::Parse("n2"), 4}},
                   *Money::Parse("3.10 USD")};
  auto back = PlacementFromJson(PlacementToJson(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
  EXPECT_EQ(PlacementToJson(p).at("gpus").as_int64(), 12);
}

}  // namespace
}  // namespace straits::lease

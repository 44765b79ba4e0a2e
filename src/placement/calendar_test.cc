#include "placement/calendar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace straits::placement {
namespace {

Interval Iv(Seconds s, Seconds e) {
  return *Interval::Make(Instant::FromUnixSeconds(s), Instant::FromUnixSeconds(e));
}

TEST(Calendar, ReservesAndReportsFreeGpus) {
  Calendar cal({8, 8});
  Allocation take[] = {{.node = 0, .gpus = 6}};
  ASSERT_TRUE(cal.Reserve(1, Iv(100, 200), take).ok());
  EXPECT_EQ(cal.UsedAt(0, 99), 0);
  EXPECT_EQ(cal.UsedAt(0, 100), 6);
  EXPECT_EQ(cal.UsedAt(0, 199), 6);
  EXPECT_EQ(cal.UsedAt(0, 200), 0);  // half-open
  EXPECT_EQ(cal.FreeGpus(0, 0, 100), 8);
  EXPECT_EQ(cal.FreeGpus(0, 0, 101), 2);
  EXPECT_EQ(cal.FreeGpus(0, 199, 300), 2);
  EXPECT_EQ(cal.FreeGpus(0, 200, 300), 8);
  EXPECT_EQ(cal.FreeGpus(1, 0, 300), 8);
}

TEST(Calendar, RejectsOverlapBeyondCapacity) {
  Calendar cal({8});
  Allocation six[] = {{.node = 0, .gpus = 6}};
  Allocation three[] = {{.node = 0, .gpus = 3}};
  Allocation two[] = {{.node = 0, .gpus = 2}};
  ASSERT_TRUE(cal.Reserve(1, Iv(100, 200), six).ok());
  Status s = cal.Reserve(2, Iv(150, 250), three);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.field(), "allocations[0]");
  EXPECT_TRUE(cal.Reserve(3, Iv(200, 250), three).ok());  // touches, does not overlap
  EXPECT_TRUE(cal.Reserve(4, Iv(150, 250), two).ok());
  EXPECT_EQ(cal.UsedAt(0, 210), 5);
  EXPECT_EQ(cal.num_reservations(), 3u);
}

TEST(Calendar, ReserveIsAllOrNothing) {
  Calendar cal({8, 8});
  Allocation first[] = {{.node = 1, .gpus = 8}};
  ASSERT_TRUE(cal.Reserve(1, Iv(0, 10), first).ok());
  Allocation both[] = {{.node = 0, .gpus = 4}, {.node = 1, .gpus = 1}};
  EXPECT_EQ(cal.Reserve(2, Iv(5, 15), both).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(cal.UsedAt(0, 6), 0);
  EXPECT_EQ(cal.Find(2), nullptr);
}

TEST(Calendar, ValidatesReserveArguments) {
  Calendar cal({8, 8});
  struct Case {
    const char* name;
    Interval interval;
    std::vector<Allocation> allocations;
    StatusCode code;
    const char* field;
  };
  const Case cases[] = {
      {"empty interval", Iv(5, 5), {{0, 1}}, StatusCode::kInvalidArgument, "interval"},
      {"no allocations", Iv(0, 5), {}, StatusCode::kInvalidArgument, "allocations"},
      {"node out of range",
       Iv(0, 5),
       {{2, 1}},
       StatusCode::kInvalidArgument,
       "allocations[0].node"},
      {"negative node", Iv(0, 5), {{-1, 1}}, StatusCode::kInvalidArgument, "allocations[0].node"},
      {"zero gpus",
       Iv(0, 5),
       {{0, 1}, {1, 0}},
       StatusCode::kInvalidArgument,
       "allocations[1].gpus"},
      {"node twice", Iv(0, 5), {{0, 1}, {0, 1}}, StatusCode::kInvalidArgument, "allocations"},
      {"over capacity", Iv(0, 5), {{0, 9}}, StatusCode::kResourceExhausted, "allocations[0]"},
  };
  for (const Case& c : cases) {
    Status s = cal.Reserve(7, c.interval, c.allocations);
    EXPECT_EQ(s.code(), c.code) << c.name;
    EXPECT_EQ(s.field(), c.field) << c.name;
  }
  EXPECT_EQ(cal.num_reservations(), 0u);
}

TEST(Calendar, ReserveAndUnreserveAreIdempotent) {
  Calendar cal({8});
  Allocation four[] = {{.node = 0, .gpus = 4}};
  Allocation five[] = {{.node = 0, .gpus = 5}};
  ASSERT_TRUE(cal.Reserve(1, Iv(0, 10), four).ok());
  EXPECT_TRUE(cal.Reserve(1, Iv(0, 10), four).ok());  // retry: no-op
  EXPECT_EQ(cal.UsedAt(0, 5), 4);
  EXPECT_EQ(cal.Reserve(1, Iv(0, 10), five).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(cal.Reserve(1, Iv(0, 11), four).code(), StatusCode::kAlreadyExists);
  cal.Unreserve(1);
  cal.Unreserve(1);
  cal.Unreserve(99);
  EXPECT_EQ(cal.UsedAt(0, 5), 0);
  EXPECT_TRUE(cal.Points(0).empty());
}

TEST(Calendar, ShrinkFreesTheTail) {
  Calendar cal({8});
  Allocation four[] = {{.node = 0, .gpus = 4}};
  ASSERT_TRUE(cal.Reserve(1, Iv(0, 100), four).ok());
  ASSERT_TRUE(cal.Shrink(1, Instant::FromUnixSeconds(40)).ok());
  EXPECT_EQ(cal.UsedAt(0, 39), 4);
  EXPECT_EQ(cal.UsedAt(0, 40), 0);
  EXPECT_EQ(cal.Find(1)->end, 40);
  EXPECT_EQ(cal.Shrink(1, Instant::FromUnixSeconds(50)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cal.Shrink(1, Instant::FromUnixSeconds(0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cal.Shrink(2, Instant::FromUnixSeconds(10)).code(), StatusCode::kNotFound);
  cal.Unreserve(1);
  EXPECT_TRUE(cal.Points(0).empty());
}

TEST(Calendar, ForgetBeforeKeepsTheFuture) {
  Calendar cal({8});
  Allocation two[] = {{.node = 0, .gpus = 2}};
  Allocation three[] = {{.node = 0, .gpus = 3}};
  ASSERT_TRUE(cal.Reserve(1, Iv(0, 10), two).ok());
  ASSERT_TRUE(cal.Reserve(2, Iv(5, 30), three).ok());
  ASSERT_TRUE(cal.Reserve(3, Iv(40, 50), two).ok());
  cal.ForgetBefore(20);
  EXPECT_EQ(cal.Find(1), nullptr);  // ended before the horizon
  EXPECT_NE(cal.Find(2), nullptr);
  EXPECT_EQ(cal.UsedAt(0, 20), 3);
  EXPECT_EQ(cal.UsedAt(0, 30), 0);
  EXPECT_EQ(cal.UsedAt(0, 45), 2);
  EXPECT_EQ(cal.Points(0).front().time, 20);
  cal.Unreserve(2);  // only the part after the horizon is released
  EXPECT_EQ(cal.UsedAt(0, 25), 0);
  EXPECT_EQ(cal.Points(0).size(), 2u);
}

TEST(Calendar, EarliestStartOnOneNode) {
  Calendar cal({8});
  Allocation six[] = {{.node = 0, .gpus = 6}};
  Allocation eight[] = {{.node = 0, .gpus = 8}};
  ASSERT_TRUE(cal.Reserve(1, Iv(10, 20), six).ok());
  ASSERT_TRUE(cal.Reserve(2, Iv(25, 30), eight).ok());
  SearchScratch scratch;
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 2, 25, 0, 1000, scratch), 0);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 2, 26, 0, 1000, scratch), 30);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 3, 10, 0, 1000, scratch), 0);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 3, 11, 0, 1000, scratch), 30);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 2, 5, 12, 1000, scratch), 12);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 2, 13, 12, 1000, scratch), 12);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 2, 14, 12, 1000, scratch), 30);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 3, 5, 12, 1000, scratch), 20);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 3, 5, 12, 19, scratch), std::nullopt);
  EXPECT_EQ(cal.EarliestStart(std::vector<NodeIndex>{0}, 9, 1, 0, 1000, scratch), std::nullopt);
}

// LoadFirstPoints only reads ahead: at any time, in or out of the days the
// point directory covers, and for a node without points, it reads nothing out
// of bounds (checked under the sanitizers) and changes no answer.
TEST(Calendar, LoadFirstPointsReadsAheadAndChangesNoAnswer) {
  constexpr Seconds kDay = 86400;
  Calendar cal({8, 8});
  Allocation six[] = {{.node = 0, .gpus = 6}};
  ASSERT_TRUE(cal.Reserve(1, Iv(kDay + 100, 3 * kDay), six).ok());
  ASSERT_TRUE(cal.Reserve(2, Iv(5 * kDay, 5 * kDay + 50), six).ok());
  const std::vector<Seconds> times = {-kDay,         0,         kDay + 100, 2 * kDay, 3 * kDay,
                                      5 * kDay + 50, 400 * kDay};
  auto answers = [&] {
    std::vector<std::optional<Seconds>> out;
    for (NodeIndex node : {0, 1}) {
      for (Seconds t : times) out.push_back(cal.EarliestStartOnNode(node, 4, kDay, t, 600 * kDay));
    }
    return out;
  };
  const std::vector<std::optional<Seconds>> before = answers();
  EXPECT_EQ(before[0], -kDay);     // node 0 from -kDay: a day ends before the first booking
  EXPECT_EQ(before[2], 3 * kDay);  // node 0 from inside the first booking
  SearchScratch scratch;
  for (NodeIndex node : {0, 1}) {
    const std::vector<NodeIndex> nodes(times.size(), node);
    cal.LoadFirstPoints(nodes, times, scratch);
  }
  cal.LoadFirstPoints({}, {}, scratch);
  EXPECT_EQ(answers(), before);
}

TEST(Calendar, EarliestStartAcrossNodesAddsFreeGpus) {
  Calendar cal({8, 8});
  Allocation a[] = {{.node = 0, .gpus = 4}};
  Allocation b[] = {{.node = 1, .gpus = 6}};
  ASSERT_TRUE(cal.Reserve(1, Iv(0, 50), a).ok());
  ASSERT_TRUE(cal.Reserve(2, Iv(0, 30), b).ok());
  SearchScratch scratch;
  std::vector<NodeIndex> both = {0, 1};
  std::vector<int32_t> free;
  EXPECT_EQ(cal.EarliestStart(both, 6, 10, 0, 1000, scratch, &free), 0);
  EXPECT_EQ(free, (std::vector<int32_t>{4, 2}));
  EXPECT_EQ(cal.EarliestStart(both, 12, 10, 0, 1000, scratch, &free), 30);
  EXPECT_EQ(free, (std::vector<int32_t>{4, 8}));
  EXPECT_EQ(cal.EarliestStart(both, 13, 10, 0, 1000, scratch), 50);
  EXPECT_EQ(cal.EarliestStart(both, 13, 10, 0, 49, scratch), std::nullopt);
  EXPECT_EQ(cal.MaxFreeInWindows(both, 10, 0, 49, scratch), 12);
  EXPECT_EQ(cal.MaxFreeInWindows(both, 10, 0, 29, scratch), 6);
}

// ---- Brute force -------------------------------------------------------------

// The brute-force model: every reservation, and the usage of every node at every
// second of a short time axis, kept as a dense array.
struct Model {
  std::vector<int32_t> capacity;
  Seconds axis = 0;
  std::map<ReservationId, Booking> bookings;
  std::vector<std::vector<int32_t>> used;  // [node][second]
  // Per node, how many reservation edges (starts and ends) fall on each second:
  // the only places where the model's usage can change.
  std::vector<std::map<Seconds, int>> edges;

  void Init() {
    used.assign(capacity.size(), std::vector<int32_t>(static_cast<size_t>(axis), 0));
    edges.assign(capacity.size(), {});
  }
  int32_t UsedAt(NodeIndex node, Seconds t) const {
    if (t < 0 || t >= axis) return 0;
    return used[static_cast<size_t>(node)][static_cast<size_t>(t)];
  }
  void Add(const Allocation& a, Seconds start, Seconds end, int32_t sign) {
    for (Seconds t = start; t < end; ++t) {
      used[static_cast<size_t>(a.node)][static_cast<size_t>(t)] += sign * a.gpus;
    }
  }
  void Edge(NodeIndex node, Seconds t, int delta) {
    auto& count = edges[static_cast<size_t>(node)];
    if ((count[t] += delta) == 0) count.erase(t);
  }
};

// Checks the calendar's step function of `node` against the model at every change
// point of either, and just before each; with `every_second`, at every second of
// the axis as well. One linear merge, so it can run after every operation.
void ExpectNodeMatches(const Calendar& cal, const Model& model, NodeIndex node,
                       bool every_second = false) {
  const std::span<const ChangePoint> points = cal.Points(node);
  std::vector<Seconds> times;
  for (const ChangePoint& p : points) times.push_back(p.time);
  for (const auto& [t, count] : model.edges[static_cast<size_t>(node)]) times.push_back(t);
  if (every_second) {
    for (Seconds t = 0; t <= model.axis; ++t) times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (size_t i = 0; i < points.size(); ++i) {
    ASSERT_NE(points[i].used, i == 0 ? 0 : points[i - 1].used)
        << "node " << node << ": redundant point at " << points[i].time;
  }
  if (!points.empty()) {
    ASSERT_EQ(points.back().used, 0);
  }
  size_t next = 0;  // first calendar point after the probe
  int32_t cal_used = 0;
  for (Seconds t : times) {
    for (Seconds probe : {t - 1, t}) {
      while (next < points.size() && points[next].time <= probe) cal_used = points[next++].used;
      const int32_t expected = model.UsedAt(node, probe);
      if (expected > model.capacity[static_cast<size_t>(node)] || cal_used != expected) {
        FAIL() << "node " << node << " at " << probe << ": calendar " << cal_used << ", model "
               << expected << ", capacity " << model.capacity[static_cast<size_t>(node)];
      }
    }
  }
}

TEST(CalendarProperty, NeverOversubscribesUnderRandomOperations) {
  constexpr int kOperations = 100'000;
  constexpr Seconds kHorizon = 2'000;
  std::mt19937_64 rng(20250513);
  Model model;
  model.capacity = {8, 8, 4, 2, 8, 1};
  model.axis = kHorizon + 200;
  model.Init();
  Calendar cal(model.capacity);
  const auto num_nodes = static_cast<NodeIndex>(model.capacity.size());
  std::vector<ReservationId> live;
  ReservationId next_id = 1;
  int refused = 0, accepted = 0, shrunk = 0, released = 0;
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };

  for (int op = 0; op < kOperations; ++op) {
    // Shrinks leave many short reservations behind; cap the live set so the
    // nodes keep a realistic number of change points.
    const int64_t kind = live.size() > 150 ? 7 : uniform(0, 9);
    std::vector<NodeIndex> touched;
    if (kind < 5 || live.empty()) {
      // Reserve 1-3 nodes with random GPU counts; the model decides if it must fit.
      const Seconds start = uniform(0, kHorizon - 1);
      const Seconds end = start + uniform(1, 200);
      std::vector<Allocation> allocs;
      for (NodeIndex node = 0; node < num_nodes; ++node) {
        if (uniform(0, num_nodes - 1) < 2) {
          allocs.push_back({.node = node,
                            .gpus = static_cast<int32_t>(
                                uniform(1, model.capacity[static_cast<size_t>(node)]))});
        }
      }
      if (allocs.empty()) allocs.push_back({.node = 0, .gpus = 1});
      bool fits = true;
      for (const Allocation& a : allocs) {
        for (Seconds t = start; t < end && fits; ++t) {
          if (model.UsedAt(a.node, t) + a.gpus > model.capacity[static_cast<size_t>(a.node)]) {
            fits = false;
          }
        }
      }
      const ReservationId id = next_id++;
      Status s = cal.Reserve(id, Iv(start, end), allocs);
      if (fits) {
        ASSERT_TRUE(s.ok()) << "op " << op << ": " << s;
        std::sort(allocs.begin(), allocs.end(),
                  [](const Allocation& a, const Allocation& b) { return a.node < b.node; });
        for (const Allocation& a : allocs) {
          model.Add(a, start, end, +1);
          model.Edge(a.node, start, +1);
          model.Edge(a.node, end, +1);
        }
        model.bookings[id] = Booking{.start = start, .end = end, .allocations = allocs};
        live.push_back(id);
        ++accepted;
      } else {
        ASSERT_EQ(s.code(), StatusCode::kResourceExhausted) << "op " << op;
        ++refused;
      }
      for (const Allocation& a : allocs) touched.push_back(a.node);
    } else {
      const auto pick = static_cast<size_t>(uniform(0, static_cast<int64_t>(live.size()) - 1));
      const ReservationId id = live[pick];
      Booking& booking = model.bookings[id];
      for (const Allocation& a : booking.allocations) touched.push_back(a.node);
      if (kind < 8) {
        cal.Unreserve(id);
        cal.Unreserve(id);  // idempotent
        for (const Allocation& a : booking.allocations) {
          model.Add(a, booking.start, booking.end, -1);
          model.Edge(a.node, booking.start, -1);
          model.Edge(a.node, booking.end, -1);
        }
        model.bookings.erase(id);
        live[pick] = live.back();
        live.pop_back();
        ++released;
      } else if (booking.end - booking.start > 1) {
        const Seconds new_end = uniform(booking.start + 1, booking.end - 1);
        ASSERT_TRUE(cal.Shrink(id, Instant::FromUnixSeconds(new_end)).ok());
        for (const Allocation& a : booking.allocations) {
          model.Add(a, new_end, booking.end, -1);
          model.Edge(a.node, booking.end, -1);
          model.Edge(a.node, new_end, +1);
        }
        booking.end = new_end;
        ++shrunk;
      }
    }
    for (NodeIndex node : touched) {
      ASSERT_NO_FATAL_FAILURE(ExpectNodeMatches(cal, model, node)) << "after op " << op;
    }
    if (op % 5'000 == 0) {
      for (NodeIndex node = 0; node < num_nodes; ++node) {
        ASSERT_NO_FATAL_FAILURE(ExpectNodeMatches(cal, model, node, true)) << "after op " << op;
      }
    }
  }
  for (NodeIndex node = 0; node < num_nodes; ++node) {
    ASSERT_NO_FATAL_FAILURE(ExpectNodeMatches(cal, model, node, true));
  }
  EXPECT_EQ(cal.num_reservations(), model.bookings.size());
  // The mix must exercise every path.
  EXPECT_GT(refused, 1'000);
  EXPECT_GT(accepted, 1'000);
  EXPECT_GT(shrunk, 1'000);
  EXPECT_GT(released, 1'000);
}

// Brute force: for each start s in [es, ls], free GPUs summed over the nodes,
// each node counting its minimum over [s, s + d).
struct BruteForce {
  std::vector<std::vector<int32_t>> used;  // [node][second]
  std::vector<int32_t> capacity;

  int64_t FreeTotal(const std::vector<NodeIndex>& nodes, Seconds s, Seconds d) const {
    int64_t total = 0;
    for (NodeIndex n : nodes) {
      int32_t max_used = 0;
      for (Seconds t = s; t < s + d; ++t) {
        const auto& u = used[static_cast<size_t>(n)];
        max_used =
            std::max(max_used, t < static_cast<Seconds>(u.size()) ? u[static_cast<size_t>(t)] : 0);
      }
      total += capacity[static_cast<size_t>(n)] - max_used;
    }
    return total;
  }
};

TEST(CalendarProperty, EarliestStartIsTheTrueEarliest) {
  std::mt19937_64 rng(7);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  SearchScratch scratch;
  int found = 0, none = 0;
  for (int instance = 0; instance < 300; ++instance) {
    const auto num_nodes = static_cast<NodeIndex>(uniform(1, 5));
    std::vector<int32_t> capacity;
    for (NodeIndex n = 0; n < num_nodes; ++n)
      capacity.push_back(static_cast<int32_t>(uniform(1, 8)));
    Calendar cal(capacity);
    constexpr Seconds kAxis = 120;
    BruteForce brute{.used = std::vector<std::vector<int32_t>>(static_cast<size_t>(num_nodes),
                                                               std::vector<int32_t>(kAxis, 0)),
                     .capacity = capacity};
    for (int r = 0; r < 40; ++r) {
      const Seconds start = uniform(0, kAxis - 2);
      const Seconds end = uniform(start + 1, std::min<Seconds>(kAxis, start + 40));
      const auto node = static_cast<NodeIndex>(uniform(0, num_nodes - 1));
      const auto gpus = static_cast<int32_t>(uniform(1, capacity[static_cast<size_t>(node)]));
      Allocation a[] = {{.node = node, .gpus = gpus}};
      if (cal.Reserve(static_cast<ReservationId>(r + 1), Iv(start, end), a).ok()) {
        for (Seconds t = start; t < end; ++t) {
          brute.used[static_cast<size_t>(node)][static_cast<size_t>(t)] += gpus;
        }
      }
    }
    for (int q = 0; q < 30; ++q) {
      std::vector<NodeIndex> nodes;
      for (NodeIndex n = 0; n < num_nodes; ++n) {
        if (uniform(0, 1) == 1) nodes.push_back(n);
      }
      if (nodes.empty()) nodes.push_back(static_cast<NodeIndex>(uniform(0, num_nodes - 1)));
      const auto gpus = static_cast<int32_t>(uniform(1, 12));
      const Seconds d = uniform(1, 50);
      const Seconds es = uniform(0, kAxis);
      const Seconds ls = es + uniform(0, kAxis);
      std::optional<Seconds> expected;
      int64_t best = 0;
      for (Seconds s = es; s <= ls; ++s) {
        const int64_t total = brute.FreeTotal(nodes, s, d);
        best = std::max(best, total);
        if (!expected && total >= gpus) expected = s;
      }
      std::vector<int32_t> free;
      const auto got = cal.EarliestStart(nodes, gpus, d, es, ls, scratch, &free);
      ASSERT_EQ(got, expected) << "instance " << instance << " query " << q;
      // The single-node fast path must agree with the sweep.
      ASSERT_EQ(cal.EarliestStart(nodes, gpus, d, es, ls, scratch), expected);
      if (got) {
        ++found;
        int64_t sum = 0;
        for (size_t k = 0; k < nodes.size(); ++k) {
          ASSERT_EQ(free[k], cal.FreeGpus(nodes[k], *got, *got + d));
          sum += free[k];
        }
        ASSERT_GE(sum, gpus);
      } else {
        ++none;
      }
      ASSERT_EQ(cal.MaxFreeInWindows(nodes, d, es, ls, scratch), best)
          << "instance " << instance << " query " << q;
    }
  }
  EXPECT_GT(found, 1'000);
  EXPECT_GT(none, 500);
}

}  // namespace
}  // namespace straits::placement

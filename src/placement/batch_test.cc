#include "placement/batch.h"

#include <gtest/gtest.h>

namespace straits::placement {
namespace {

constexpr Seconds kHour = 3600;

Topology TwoNodes() {
  FleetSpec spec;
  spec.models = {ModelSpec{.id = *ModelId::Parse("m"), .vendor = "v", .tpp = 1, .memory_gb = 1}};
  spec.sites.push_back(
      SiteSpec{.id = *SiteId::Parse("s"),
               .country = {},
               .pods = {PodSpec{.id = *PodId::Parse("p"),
                                .nodes = {{*NodeId::Parse("n0"), *ModelId::Parse("m"), 8},
                                          {*NodeId::Parse("n1"), *ModelId::Parse("m"), 8}}}},
               .prices = {}});
  return *Topology::Build(spec);
}

Request Job(int64_t gpus, Seconds duration, Seconds latest_end, Scope scope = Scope::kNode) {
  Request r;
  r.gpus = gpus;
  r.models = {*ModelId::Parse("m")};
  r.duration = Duration::Seconds(duration);
  r.earliest_start = Instant::FromUnixSeconds(0);
  r.latest_end = Instant::FromUnixSeconds(latest_end);
  r.scope = scope;
  return r;
}

TEST(Batch, BestOrderPlacesMoreThanArrivalOrder) {
  const Topology topo = TwoNodes();
  // In arrival order the two small jobs take GPUs first, and the 16-GPU job that
  // must start at once no longer fits. Largest-first places all three.
  std::vector<Request> pending = {Job(1, 10 * kHour, 20 * kHour), Job(1, 10 * kHour, 20 * kHour),
                                  Job(16, 10 * kHour, 10 * kHour, Scope::kPod)};
  {
    Calendar cal(topo);
    Engine engine(topo, MakeProfile("first-fit").value());
    BatchOptions options;
    options.order = BatchOptions::Order::kArrival;
    Result<BatchResult> r = PlaceBatch(engine, pending, cal, options);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->placed, 2);
    EXPECT_FALSE(r->decisions[2].placed());
    EXPECT_EQ(r->decisions[2].reasons.size(), 1u);
  }
  Calendar cal(topo);
  Engine engine(topo, MakeProfile("first-fit").value());
  Result<BatchResult> r = PlaceBatch(engine, pending, cal);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->placed, 3);
  EXPECT_NE(r->order, BatchOptions::Order::kArrival);
  EXPECT_DOUBLE_EQ(r->placed_gpu_hours, 180);
  EXPECT_EQ(cal.num_reservations(), 3u);  // applied to the real calendar
  EXPECT_NE(cal.Find(1 + 2), nullptr);    // under first_id + index
}

TEST(Batch, RejectsABadRequestBeforeReservingAnything) {
  const Topology topo = TwoNodes();
  Calendar cal(topo);
  Engine engine(topo, MakeProfile("best-fit").value());
  std::vector<Request> pending = {Job(1, kHour, 2 * kHour), Job(0, kHour, 2 * kHour)};
  Result<BatchResult> r = PlaceBatch(engine, pending, cal);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "requests[1].gpus");
  EXPECT_EQ(cal.num_reservations(), 0u);
}

}  // namespace
}  // namespace straits::placement

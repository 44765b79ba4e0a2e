#include "placement/engine.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace straits::placement {
namespace {

constexpr Seconds kHour = 3600;
const Instant kT0 = Instant::FromUnixSeconds(1'750'000'000);  // 2025-06-15

ModelSpec Model(const char* id, const char* vendor, double tpp, double memory) {
  return ModelSpec{.id = *ModelId::Parse(id), .vendor = vendor, .tpp = tpp, .memory_gb = memory};
}

// Sites "sg-1" (two pods of 2 x 8 h100), "my-1" (one pod: 4 x 8 h20 + 1 x 4 h100),
// "de-1" (one pod of 4 x 8 b200).
FleetSpec ThreeSites() {
  FleetSpec spec;
  spec.models = {Model("h100-sxm", "nvidia", 15832, 80), Model("h20", "nvidia", 2368, 96),
                 Model("b200", "nvidia", 36000, 192), Model("ascend-910b", "huawei", 5000, 64)};
  auto node = [](std::string id, const char* model, int32_t gpus) {
    return NodeSpec{.id = *NodeId::Parse(id), .model = *ModelId::Parse(model), .gpus = gpus};
  };
  auto price = [](const char* model, const char* amount) {
    return SitePrice{.model = *ModelId::Parse(model), .per_gpu_hour = *Money::Parse(amount)};
  };
  SiteSpec sg{.id = *SiteId::Parse("sg-1"),
              .country = *Country::Parse("SG"),
              .pods = {},
              .prices = {price("h100-sxm", "3.00 USD")}};
  for (int p = 0; p < 2; ++p) {
    PodSpec pod{.id = *PodId::Parse("sg-1-p" + std::to_string(p)), .nodes = {}};
    for (int n = 0; n < 2; ++n) {
      pod.nodes.push_back(
          node("sg1-" + std::to_string(p) + "-" + std::to_string(n), "h100-sxm", 8));
    }
    sg.pods.push_back(pod);
  }
  SiteSpec my{.id = *SiteId::Parse("my-1"),
              .country = *Country::Parse("MY"),
              .pods = {},
              .prices = {price("h100-sxm", "2.00 USD"), price("h20", "1.00 USD")}};
  PodSpec my_pod{.id = *PodId::Parse("my-1-p0"), .nodes = {}};
  for (int n = 0; n < 4; ++n)
    my_pod.nodes.push_back(node("my1-h20-" + std::to_string(n), "h20", 8));
  my_pod.nodes.push_back(node("my1-h100-0", "h100-sxm", 4));
  my.pods.push_back(my_pod);
  SiteSpec de{.id = *SiteId::Parse("de-1"),
              .country = *Country::Parse("DE"),
              .pods = {},
              .prices = {price("b200", "6.00 USD")}};
  PodSpec de_pod{.id = *PodId::Parse("de-1-p0"), .nodes = {}};
  for (int n = 0; n < 4; ++n)
    de_pod.nodes.push_back(node("de1-b200-" + std::to_string(n), "b200", 8));
  de.pods.push_back(de_pod);
  spec.sites = {sg, my, de};
  return spec;
}

Request MakeRequest(int64_t gpus, std::vector<const char*> models, Seconds duration,
                    Scope scope = Scope::kNode) {
  Request r;
  r.id = "r";
  r.gpus = gpus;
  for (const char* m : models) r.models.push_back(*ModelId::Parse(m));
  r.duration = Duration::Seconds(duration);
  r.earliest_start = kT0;
  r.scope = scope;
  return r;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : topo_(*Topology::Build(ThreeSites())), calendar_(topo_) {}

  Engine MakeEngine(std::string_view profile = kDefaultProfile,
                    const SiteComplianceOracle* oracle = nullptr) {
    return Engine(topo_, MakeProfile(profile).value(), oracle);
  }
  SiteIndex Site(const char* id) const { return *topo_.FindSite(id); }
  NodeIndex Node(const char* id) const { return *topo_.FindNode(id); }
  const SiteReason* ReasonFor(const Decision& d, const char* site) const {
    for (const SiteReason& r : d.reasons) {
      if (r.site == Site(site)) return &r;
    }
    return nullptr;
  }
  // Fills node `id` completely over [from, to).
  void Block(const char* id, Seconds from, Seconds to, int32_t gpus = -1) {
    const NodeIndex n = Node(id);
    Allocation a[] = {{.node = n, .gpus = gpus < 0 ? topo_.node(n).gpus : gpus}};
    ASSERT_TRUE(
        calendar_
            .Reserve(next_id_++,
                     *Interval::Make(Instant::FromUnixSeconds(from), Instant::FromUnixSeconds(to)),
                     a)
            .ok());
  }

  Topology topo_;
  Calendar calendar_;
  ReservationId next_id_ = 1000;
};

TEST_F(EngineTest, RejectsBadRequestsNamingTheField) {
  Engine engine = MakeEngine();
  struct Case {
    const char* name;
    void (*mutate)(Request&);
    const char* field;
  };
  const Case cases[] = {
      {"zero gpus", [](Request& r) { r.gpus = 0; }, "gpus"},
      {"negative gpus", [](Request& r) { r.gpus = -8; }, "gpus"},
      {"zero duration", [](Request& r) { r.duration = Duration::Seconds(0); }, "duration"},
      {"duration longer than window",
       [](Request& r) { r.latest_end = r.earliest_start + Duration::Hours(1); }, "duration"},
      {"window ends before it starts",
       [](Request& r) { r.latest_end = r.earliest_start - Duration::Hours(1); }, "duration"},
      {"unknown model", [](Request& r) { r.models.push_back(*ModelId::Parse("mi300x")); },
       "models[1]"},
      {"model twice", [](Request& r) { r.models.push_back(r.models[0]); }, "models[1]"},
      {"empty model list", [](Request& r) { r.models.clear(); }, "models"},
      {"constraints nobody meets",
       [](Request& r) {
         r.models.clear();
         r.constraints.min_memory_gb = 1000;
       },
       "models"},
      {"unknown site", [](Request& r) { r.sites = {*SiteId::Parse("us-1")}; }, "sites[0]"},
      {"site twice",
       [](Request& r) {
         r.sites = {*SiteId::Parse("sg-1"), *SiteId::Parse("sg-1")};
       },
       "sites[1]"},
      {"cap in another currency",
       [](Request& r) { r.max_price_per_gpu_hour = *Money::Parse("5 SGD"); },
       "max_price_per_gpu_hour"},
      {"negative cap", [](Request& r) { r.max_price_per_gpu_hour = *Money::Parse("-1 USD"); },
       "max_price_per_gpu_hour"},
      {"only listed, none listed", [](Request& r) { r.only_listed_sites = true; }, "sites"},
  };
  for (const Case& c : cases) {
    Request r = MakeRequest(8, {"h100-sxm"}, 2 * kHour);
    c.mutate(r);
    Result<Decision> d = engine.Decide(r, calendar_);
    ASSERT_FALSE(d.ok()) << c.name;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(d.status().field(), c.field) << c.name << ": " << d.status();
  }
}

TEST_F(EngineTest, NodeScopePlacesOnOneNodeNow) {
  Engine engine = MakeEngine();
  Result<Decision> d = engine.Decide(MakeRequest(8, {"h100-sxm"}, 2 * kHour), calendar_);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->placed());
  const Placement& p = *d->placement;
  ASSERT_EQ(p.allocations.size(), 1u);
  EXPECT_EQ(p.allocations[0].gpus, 8);
  EXPECT_EQ(p.start, kT0.unix_seconds());
  EXPECT_EQ(p.end, kT0.unix_seconds() + 2 * kHour);
  EXPECT_EQ(topo_.model(p.model).id.str(), "h100-sxm");
  // my-1's h100 node has only 4 GPUs: that site has no node big enough.
  const SiteReason* my = ReasonFor(*d, "my-1");
  ASSERT_NE(my, nullptr);
  EXPECT_EQ(my->code, ReasonCode::kNoMatchingHardware);
  EXPECT_EQ(my->plugin, "GroupSize");
  const SiteReason* de = ReasonFor(*d, "de-1");
  ASSERT_NE(de, nullptr);
  EXPECT_EQ(de->code, ReasonCode::kNoMatchingHardware);
  EXPECT_EQ(de->plugin, "ModelPresent");
  EXPECT_TRUE(engine.Reserve(1, p, calendar_).ok());
  EXPECT_TRUE(engine.Reserve(1, p, calendar_).ok());  // idempotent
}

TEST_F(EngineTest, WaitsForTheEarliestFeasibleStart) {
  Engine engine = MakeEngine("first-fit");
  const Seconds t0 = kT0.unix_seconds();
  Block("sg1-0-0", t0, t0 + 5 * kHour);
  Block("sg1-0-1", t0, t0 + 3 * kHour);
  Block("sg1-1-0", t0, t0 + 4 * kHour);
  Block("sg1-1-1", t0 + kHour, t0 + 2 * kHour);  // free for the first hour only
  Result<Decision> d = engine.Decide(MakeRequest(8, {"h100-sxm"}, 2 * kHour), calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->start, t0 + 2 * kHour);
  EXPECT_EQ(d->placement->allocations[0].node, Node("sg1-1-1"));
  // One hour fits right now on sg1-1-1.
  d = engine.Decide(MakeRequest(8, {"h100-sxm"}, kHour), calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->start, t0);
}

TEST_F(EngineTest, PodScopeStaysInsideOnePod) {
  Engine engine = MakeEngine();
  const Seconds t0 = kT0.unix_seconds();
  // 12 GPUs free in each sg pod now, 16 only later in pod 1.
  Block("sg1-0-0", t0, t0 + 10 * kHour, 4);
  Block("sg1-1-0", t0, t0 + 2 * kHour, 4);
  Request r = MakeRequest(16, {"h100-sxm"}, kHour, Scope::kPod);
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->start, t0 + 2 * kHour);
  EXPECT_EQ(d->placement->pod, topo_.node(Node("sg1-1-0")).pod);
  EXPECT_EQ(d->placement->gpus(), 16);
  for (const Allocation& a : d->placement->allocations) {
    EXPECT_EQ(topo_.node(a.node).pod, d->placement->pod);
  }
  // Site scope can use both pods right away: 12 + 12 >= 20.
  r = MakeRequest(20, {"h100-sxm"}, kHour, Scope::kSite);
  d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->start, t0);
  EXPECT_EQ(d->placement->pod, -1);
  EXPECT_EQ(d->placement->gpus(), 20);
  EXPECT_TRUE(engine.Reserve(7, *d->placement, calendar_).ok());
}

// A fake compliance oracle: denies the listed sites, and b200 everywhere.
class FakeOracle final : public SiteComplianceOracle {
 public:
  explicit FakeOracle(std::set<std::string> denied) : denied_(std::move(denied)) {}
  SiteVerdict Check(const Request&, const Topology& topo, SiteIndex site) const override {
    if (denied_.count(topo.site(site).id.str())) {
      return SiteVerdict::Deny("remote access by this tenant needs a license (test rule)");
    }
    return SiteVerdict::Allow();
  }
  SiteVerdict CheckModel(const Request&, const Topology& topo, SiteIndex,
                         ModelIndex model) const override {
    if (topo.model(model).id.str() == "b200") return SiteVerdict::Deny("item above threshold");
    return SiteVerdict::Allow();
  }

 private:
  std::set<std::string> denied_;
};

TEST_F(EngineTest, EveryExcludedSiteHasItsReason) {
  FakeOracle oracle({"sg-1"});
  Engine engine = MakeEngine(kDefaultProfile, &oracle);
  const Seconds t0 = kT0.unix_seconds();
  // my-1 h20 is busy for the whole window.
  for (const char* n : {"my1-h20-0", "my1-h20-1", "my1-h20-2", "my1-h20-3"})
    Block(n, t0, t0 + 100 * kHour);
  Request r = MakeRequest(8, {"h100-sxm", "h20", "b200"}, 4 * kHour);
  r.latest_end = kT0 + Duration::Hours(10);
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->placed());
  ASSERT_EQ(d->reasons.size(), 3u);
  const SiteReason* sg = ReasonFor(*d, "sg-1");
  EXPECT_EQ(sg->code, ReasonCode::kComplianceDenied);
  EXPECT_EQ(sg->plugin, "Compliance");
  EXPECT_NE(sg->message.find("license"), std::string::npos);
  const SiteReason* de = ReasonFor(*d, "de-1");
  EXPECT_EQ(de->code, ReasonCode::kComplianceDenied);
  EXPECT_EQ(de->plugin, "ModelCompliance");
  const SiteReason* my = ReasonFor(*d, "my-1");
  EXPECT_EQ(my->code, ReasonCode::kCapacityShort);
  EXPECT_EQ(my->plugin, "FindWindow");
  EXPECT_EQ(my->short_by_gpus, 8);
  EXPECT_NE(my->message.find("short by 8 GPUs"), std::string::npos) << my->message;
}

TEST_F(EngineTest, CapacityShortCountsTheBestMomentOfTheWindow) {
  Engine engine = MakeEngine();
  const Seconds t0 = kT0.unix_seconds();
  Block("de1-b200-0", t0, t0 + 100 * kHour);
  Block("de1-b200-1", t0, t0 + 100 * kHour, 6);
  Block("de1-b200-2", t0 + 2 * kHour, t0 + 100 * kHour, 5);
  // Pod scope, 32 GPUs: at best 0 + 2 + 3 + 8 = 13 free over a 1-hour window
  // starting after 2h, or 0 + 2 + 8 + 8 = 18 in the first two hours.
  Request r = MakeRequest(32, {"b200"}, kHour, Scope::kPod);
  r.latest_end = kT0 + Duration::Hours(10);
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->placed());
  EXPECT_EQ(ReasonFor(*d, "de-1")->short_by_gpus, 14);
  // Without explain the reason stays, the count is not computed.
  d = engine.Decide(*CompileRequest(r, topo_), calendar_,
                    DecideOptions{.now = {}, .explain = false, .reasons = true});
  EXPECT_EQ(ReasonFor(*d, "de-1")->code, ReasonCode::kCapacityShort);
  EXPECT_EQ(ReasonFor(*d, "de-1")->short_by_gpus, -1);
}

TEST_F(EngineTest, PriceCapExcludesDearSites) {
  Engine engine = MakeEngine();
  Request r = MakeRequest(4, {"h100-sxm", "b200"}, kHour);
  r.max_price_per_gpu_hour = *Money::Parse("2.50 USD");
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->site, Site("my-1"));  // h100 at 2.00 USD
  EXPECT_EQ(d->placement->price_per_gpu_hour->ToString(), "2.00 USD");
  EXPECT_EQ(ReasonFor(*d, "sg-1")->code, ReasonCode::kOverPriceCap);
  EXPECT_EQ(ReasonFor(*d, "sg-1")->plugin, "PriceCap");
  EXPECT_EQ(ReasonFor(*d, "de-1")->code, ReasonCode::kOverPriceCap);
}

TEST_F(EngineTest, PreferredAndListedSites) {
  Engine engine = MakeEngine();
  Request r = MakeRequest(4, {"h100-sxm"}, kHour);
  // Cheapest h100 is at my-1, but sg-1 is preferred first.
  r.sites = {*SiteId::Parse("sg-1"), *SiteId::Parse("my-1")};
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->site, Site("sg-1"));
  ASSERT_NE(ReasonFor(*d, "my-1"), nullptr);
  EXPECT_EQ(ReasonFor(*d, "my-1")->code, ReasonCode::kNotChosen);
  r.sites = {*SiteId::Parse("de-1")};
  r.only_listed_sites = true;
  r.models.push_back(*ModelId::Parse("b200"));
  d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(d->placement->site, Site("de-1"));
  EXPECT_EQ(ReasonFor(*d, "sg-1")->code, ReasonCode::kNotRequested);
  EXPECT_EQ(ReasonFor(*d, "my-1")->code, ReasonCode::kNotRequested);
}

TEST_F(EngineTest, ConstraintsSelectModels) {
  Engine engine = MakeEngine();
  Request r = MakeRequest(8, {}, kHour);
  r.constraints.min_memory_gb = 90;  // h20 (96) and b200 (192)
  r.constraints.min_tpp = 10000;     // only b200
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  EXPECT_EQ(topo_.model(d->placement->model).id.str(), "b200");
  r.constraints = ModelConstraints{.min_tpp = {}, .min_memory_gb = {}, .vendor = "huawei"};
  d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->placed());  // ascend-910b is in the catalog but not in the fleet
  EXPECT_EQ(d->reasons.size(), 3u);
  for (const SiteReason& reason : d->reasons)
    EXPECT_EQ(reason.code, ReasonCode::kNoMatchingHardware);
}

TEST_F(EngineTest, StrategiesPickDifferentNodes) {
  const Seconds t0 = kT0.unix_seconds();
  // my-1 h20: node 0 has 6 free, node 1 has 2 free, nodes 2 and 3 all free.
  Block("my1-h20-0", t0, t0 + 50 * kHour, 2);
  Block("my1-h20-1", t0, t0 + 50 * kHour, 6);
  Request r = MakeRequest(2, {"h20"}, kHour);
  auto chosen = [&](std::string_view profile) {
    Engine engine = MakeEngine(profile);
    Result<Decision> d = engine.Decide(r, calendar_);
    EXPECT_TRUE(d.ok() && d->placed());
    return topo_.node(d->placement->allocations[0].node).id.str();
  };
  EXPECT_EQ(chosen("first-fit"), "my1-h20-0");
  EXPECT_EQ(chosen("best-fit"), "my1-h20-1");             // exactly 2 left there
  EXPECT_EQ(chosen("fragmentation-aware"), "my1-h20-1");  // removes a fragment
  // 10 GPUs at pod scope: best-fit takes a whole free node and finishes on the
  // node with exactly 2 left.
  r = MakeRequest(10, {"h20"}, kHour, Scope::kPod);
  Engine best_fit = MakeEngine("best-fit");
  Result<Decision> d = best_fit.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  std::map<std::string, int32_t> taken;
  for (const Allocation& a : d->placement->allocations) taken[topo_.node(a.node).id.str()] = a.gpus;
  EXPECT_EQ(taken, (std::map<std::string, int32_t>{{"my1-h20-1", 2}, {"my1-h20-2", 8}}));
}

// A pod of more nodes than the window table keeps (CellWindowTable::kMaxCellNodes)
// turns the table off; every scope is then searched from the capacity index and
// the change points alone, and still finds the earliest start.
// A pod of `nodes` 8-GPU h100-sxm nodes named prefix0, prefix1, ...
PodSpec H100Pod(const std::string& id, const std::string& node_prefix, int nodes) {
  PodSpec pod{.id = *PodId::Parse(id), .nodes = {}};
  for (int n = 0; n < nodes; ++n) {
    pod.nodes.push_back(NodeSpec{.id = *NodeId::Parse(node_prefix + std::to_string(n)),
                                 .model = *ModelId::Parse("h100-sxm"),
                                 .gpus = 8});
  }
  return pod;
}

TEST(EngineWithoutWindowTable, PodsTooLargeForTheTableAreStillSearched) {
  FleetSpec spec;
  spec.models = {Model("h100-sxm", "nvidia", 15832, 80)};
  SiteSpec site{.id = *SiteId::Parse("big-1"), .country = {}, .pods = {}, .prices = {}};
  constexpr int kNodes = CellWindowTable::kMaxCellNodes + 6;
  site.pods.push_back(H100Pod("big-1-p0", "big-", kNodes));
  spec.sites.push_back(site);
  const Topology topo = *Topology::Build(spec);
  Calendar calendar(topo);
  ASSERT_FALSE(calendar.windows().enabled());
  // Every node is fully booked for the first two hours, and all but two of them
  // for the third.
  const Seconds t0 = kT0.unix_seconds();
  ReservationId id = 1;
  for (NodeIndex n = 0; n < kNodes; ++n) {
    const Allocation a[] = {{.node = n, .gpus = 8}};
    const Seconds end = t0 + (n < 2 ? 2 : 3) * kHour;
    ASSERT_TRUE(
        calendar.Reserve(id++, *Interval::Make(kT0, Instant::FromUnixSeconds(end)), a).ok());
  }
  Engine engine(topo, MakeProfile(kDefaultProfile).value());
  struct Case {
    int64_t gpus;
    Scope scope;
    Seconds start;
  };
  for (const Case& c :
       {Case{8, Scope::kNode, t0 + 2 * kHour}, Case{16, Scope::kPod, t0 + 2 * kHour},
        Case{24, Scope::kPod, t0 + 3 * kHour}, Case{8 * kNodes, Scope::kSite, t0 + 3 * kHour}}) {
    Request r = MakeRequest(c.gpus, {"h100-sxm"}, kHour, c.scope);
    r.latest_end = kT0 + Duration::Seconds(10 * kHour);
    Result<Decision> d = engine.Decide(r, calendar);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE(d->placed()) << c.gpus;
    EXPECT_EQ(d->placement->start, c.start) << c.gpus;
    EXPECT_EQ(d->placement->gpus(), c.gpus);
  }
}

// Pods of up to CellWindowTable::kMaxCellNodes nodes keep the window table; on
// such wide pods every scope still finds the earliest start the plain sweep
// over the change points finds. With a pod of 256 nodes the capacity index
// keeps no per-node levels (it does for at most 255); with one of 200 it does.
class EngineWithWindowTable : public ::testing::TestWithParam<int> {};

TEST_P(EngineWithWindowTable, WidePodsFindWhatThePlainSweepFinds) {
  FleetSpec spec;
  spec.models = {Model("h100-sxm", "nvidia", 15832, 80)};
  SiteSpec a{.id = *SiteId::Parse("wide-1"), .country = {}, .pods = {}, .prices = {}};
  a.pods.push_back(H100Pod("wide-1-p0", "a-", GetParam()));
  SiteSpec b{.id = *SiteId::Parse("wide-2"), .country = {}, .pods = {}, .prices = {}};
  b.pods.push_back(H100Pod("wide-2-p0", "b-", 100));
  b.pods.push_back(H100Pod("wide-2-p1", "c-", 70));
  spec.sites = {a, b};
  const Topology topo = *Topology::Build(spec);
  Calendar calendar(topo);
  ASSERT_TRUE(calendar.windows().enabled());
  EXPECT_EQ(calendar.index().has_node_levels(), GetParam() <= 255);
  std::mt19937_64 rng(17);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  // A busy day: bookings of 1-8 GPUs on single nodes, starting at any second.
  const Seconds t0 = kT0.unix_seconds();
  ReservationId id = 1;
  for (int i = 0; i < 4000; ++i) {
    const auto node = static_cast<NodeIndex>(uniform(0, topo.num_nodes() - 1));
    const Seconds start = t0 + uniform(0, 24 * kHour);
    const Seconds end = start + uniform(600, 6 * kHour);
    const int32_t free = calendar.FreeGpus(node, start, end);
    if (free == 0) continue;
    const Allocation take[] = {{.node = node, .gpus = static_cast<int32_t>(uniform(1, free))}};
    ASSERT_TRUE(calendar
                    .Reserve(id++,
                             *Interval::Make(Instant::FromUnixSeconds(start),
                                             Instant::FromUnixSeconds(end)),
                             take)
                    .ok());
  }
  Engine engine(topo, MakeProfile(kDefaultProfile).value());
  SearchScratch scratch;
  int placed = 0;
  for (int q = 0; q < 60; ++q) {
    const auto scope = static_cast<Scope>(q % 3);
    const int64_t gpus = scope == Scope::kNode  ? uniform(1, 8)
                         : scope == Scope::kPod ? uniform(8, 560)
                                                : uniform(64, 1360);
    Request r = MakeRequest(gpus, {"h100-sxm"}, uniform(600, 4 * kHour), scope);
    r.earliest_start = kT0 + Duration::Seconds(uniform(0, 20 * kHour));
    r.latest_end = r.earliest_start + r.duration + Duration::Seconds(uniform(0, 8 * kHour));
    const Seconds es = r.earliest_start.unix_seconds();
    const Seconds ls = r.latest_end->unix_seconds() - r.duration.seconds();
    // The plain sweep over every group of the scope.
    std::optional<Seconds> expected;
    auto consider = [&](std::span<const NodeIndex> nodes) {
      std::optional<Seconds> s = calendar.EarliestStart(nodes, static_cast<int32_t>(gpus),
                                                        r.duration.seconds(), es, ls, scratch);
      if (s && (!expected || *s < *expected)) expected = s;
    };
    for (SiteIndex site = 0; site < topo.num_sites(); ++site) {
      std::vector<NodeIndex> site_nodes;
      for (PodIndex p = topo.site(site).first_pod; p < topo.site(site).end_pod; ++p) {
        std::vector<NodeIndex> pod_nodes;
        for (NodeIndex n = topo.pod(p).first_node; n < topo.pod(p).end_node; ++n) {
          pod_nodes.push_back(n);
          site_nodes.push_back(n);
          if (scope == Scope::kNode) consider(std::span<const NodeIndex>(&n, 1));
        }
        if (scope == Scope::kPod) consider(pod_nodes);
      }
      if (scope == Scope::kSite) consider(site_nodes);
    }
    Result<Decision> d = engine.Decide(r, calendar);
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_EQ(d->placed(), expected.has_value()) << "request " << q;
    if (!expected) continue;
    ++placed;
    EXPECT_EQ(d->placement->start, *expected) << "request " << q;
    EXPECT_EQ(d->placement->gpus(), gpus);
    for (const Allocation& alloc : d->placement->allocations) {
      EXPECT_LE(alloc.gpus, calendar.FreeGpus(alloc.node, d->placement->start, d->placement->end));
    }
  }
  EXPECT_GT(placed, 20);
  EXPECT_LT(placed, 60);
}
INSTANTIATE_TEST_SUITE_P(WidestPod, EngineWithWindowTable,
                         ::testing::Values(CellWindowTable::kMaxCellNodes, 200));

// Six alike sites, all free now; the last, in preference order, has a node
// with one GPU free, where a one-GPU lease removes fragmentation instead of
// adding it. Comparing every site finds it; with the default cap, that many
// tied candidates are compared and the others are reported as not compared.
TEST(EngineTiedCandidates, AtMostTheCapAreComparedAndTheRestAreReported) {
  FleetSpec spec;
  spec.models = {Model("h100-sxm", "nvidia", 15832, 80)};
  constexpr int kSites = 6;
  for (int s = 0; s < kSites; ++s) {
    SiteSpec site{
        .id = *SiteId::Parse("s" + std::to_string(s)), .country = {}, .pods = {}, .prices = {}};
    site.pods.push_back(
        H100Pod("s" + std::to_string(s) + "-p0", "s" + std::to_string(s) + "-n", 2));
    spec.sites.push_back(site);
  }
  const Topology topo = *Topology::Build(spec);
  Calendar calendar(topo);
  const NodeIndex fragmented = topo.site(kSites - 1).first_node;
  const Allocation seven[] = {{.node = fragmented, .gpus = 7}};
  ASSERT_TRUE(
      calendar.Reserve(1, *Interval::Make(kT0, kT0 + Duration::Seconds(100 * kHour)), seven).ok());
  Engine engine(topo, MakeProfile("fragmentation-aware").value());
  const Request r = MakeRequest(1, {"h100-sxm"}, kHour, Scope::kNode);

  const DecideOptions all{.now = {},
                          .explain = true,
                          .reasons = true,
                          .in_preference_order = false,
                          .max_tied_candidates = 0};
  Result<Decision> every = engine.Decide(r, calendar, all);
  ASSERT_TRUE(every.ok() && every->placed());
  EXPECT_EQ(every->placement->site, kSites - 1);
  EXPECT_EQ(every->placement->allocations, (std::vector<Allocation>{{fragmented, 1}}));

  const int32_t cap = DecideOptions{}.max_tied_candidates;
  ASSERT_GE(cap, 1);
  ASSERT_LT(cap, kSites);
  Result<Decision> capped = engine.Decide(r, calendar);
  ASSERT_TRUE(capped.ok() && capped->placed());
  EXPECT_EQ(capped->placement->site, 0);
  EXPECT_EQ(capped->placement->start, kT0.unix_seconds());
  ASSERT_EQ(capped->reasons.size(), static_cast<size_t>(kSites - 1));
  int not_compared = 0;
  for (const SiteReason& reason : capped->reasons) {
    EXPECT_EQ(reason.code, ReasonCode::kNotChosen) << reason.site;
    if (reason.message.starts_with("not compared")) {
      ++not_compared;
      EXPECT_GE(reason.site, cap) << reason.message;
    }
  }
  EXPECT_EQ(not_compared, kSites - cap);
}

TEST_F(EngineTest, ReserveRefusesAStalePlacement) {
  Engine engine = MakeEngine();
  Request r = MakeRequest(8, {"b200"}, kHour);
  Result<Decision> d = engine.Decide(r, calendar_);
  ASSERT_TRUE(d.ok() && d->placed());
  const Placement placement = *d->placement;
  const Allocation a = placement.allocations[0];
  Allocation steal[] = {{.node = a.node, .gpus = 1}};
  ASSERT_TRUE(calendar_
                  .Reserve(99,
                           *Interval::Make(Instant::FromUnixSeconds(placement.start),
                                           Instant::FromUnixSeconds(placement.end)),
                           steal)
                  .ok());
  EXPECT_EQ(engine.Reserve(1, placement, calendar_).code(), StatusCode::kResourceExhausted);
  engine.Unreserve(99, calendar_);
  EXPECT_TRUE(engine.Reserve(1, placement, calendar_).ok());
  engine.Unreserve(1, calendar_);
  engine.Unreserve(1, calendar_);
  EXPECT_EQ(calendar_.num_reservations(), 0u);
}

// Random fleets and requests: the first-fit engine must find the true earliest
// start over every group the scope allows (checked by brute force); every
// profile must place exactly when some start is feasible, inside the window,
// hold the scope, give every other site a reason, and reserve cleanly.
class EngineProperty : public ::testing::TestWithParam<const char*> {};

TEST_P(EngineProperty, EarliestStartScopesAndReasonsHold) {
  const bool first_fit = std::string_view(GetParam()) == "first-fit";
  std::mt19937_64 rng(11);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int placed = 0, not_placed = 0;
  for (int instance = 0; instance < 60; ++instance) {
    FleetSpec spec;
    spec.models = {Model("h100-sxm", "nvidia", 15832, 80), Model("h20", "nvidia", 2368, 96)};
    const int64_t num_sites = uniform(1, 3);
    int node_id = 0;
    for (int64_t s = 0; s < num_sites; ++s) {
      SiteSpec site{
          .id = *SiteId::Parse("s" + std::to_string(s)), .country = {}, .pods = {}, .prices = {}};
      for (int64_t p = uniform(1, 3); p > 0; --p) {
        PodSpec pod{.id = *PodId::Parse("s" + std::to_string(s) + "p" + std::to_string(p)),
                    .nodes = {}};
        for (int64_t n = uniform(1, 3); n > 0; --n) {
          pod.nodes.push_back(
              NodeSpec{.id = *NodeId::Parse("n" + std::to_string(node_id++)),
                       .model = *ModelId::Parse(uniform(0, 3) == 0 ? "h20" : "h100-sxm"),
                       .gpus = static_cast<int32_t>(uniform(0, 1) ? 8 : 4)});
        }
        site.pods.push_back(pod);
      }
      spec.sites.push_back(site);
    }
    const Topology topo = *Topology::Build(spec);
    // Small index buckets, so that the index prunes on this short time axis.
    Calendar calendar(topo, uniform(1, 30));
    Engine engine(topo, MakeProfile(GetParam()).value());
    const Seconds t0 = 1000;
    constexpr Seconds kAxis = 200;
    ReservationId next = 1;
    for (int q = 0; q < 40; ++q) {
      Request r;
      r.gpus = uniform(1, 20);
      r.models = {*ModelId::Parse(uniform(0, 2) == 0 ? "h20" : "h100-sxm")};
      r.duration = Duration::Seconds(uniform(1, 40));
      r.earliest_start = Instant::FromUnixSeconds(t0 + uniform(0, kAxis));
      r.latest_end = r.earliest_start + r.duration + Duration::Seconds(uniform(0, 80));
      r.scope = static_cast<Scope>(uniform(0, 2));
      Result<Decision> d = engine.Decide(r, calendar);
      ASSERT_TRUE(d.ok()) << d.status();
      // Brute force over all groups of the scope.
      const ModelIndex model = *topo.FindModel(r.models[0].str());
      const Seconds es = r.earliest_start.unix_seconds();
      const Seconds ls = r.latest_end->unix_seconds() - r.duration.seconds();
      const Seconds dur = r.duration.seconds();
      std::vector<std::vector<NodeIndex>> groups;
      for (SiteIndex s = 0; s < topo.num_sites(); ++s) {
        std::vector<NodeIndex> site_nodes;
        for (PodIndex p = topo.site(s).first_pod; p < topo.site(s).end_pod; ++p) {
          std::vector<NodeIndex> pod_nodes;
          for (NodeIndex n = topo.pod(p).first_node; n < topo.pod(p).end_node; ++n) {
            if (topo.node(n).model != model) continue;
            pod_nodes.push_back(n);
            site_nodes.push_back(n);
            if (r.scope == Scope::kNode) groups.push_back({n});
          }
          if (r.scope == Scope::kPod) groups.push_back(pod_nodes);
        }
        if (r.scope == Scope::kSite) groups.push_back(site_nodes);
      }
      std::optional<Seconds> expected;
      for (Seconds s = es; s <= ls && !expected; ++s) {
        for (const auto& group : groups) {
          int64_t total = 0;
          for (NodeIndex n : group) total += calendar.FreeGpus(n, s, s + dur);
          if (total >= r.gpus) {
            expected = s;
            break;
          }
        }
      }
      if (!expected) {
        ASSERT_FALSE(d->placed()) << "instance " << instance << " query " << q;
        ++not_placed;
        ASSERT_EQ(d->reasons.size(), static_cast<size_t>(topo.num_sites()));
        continue;
      }
      ASSERT_TRUE(d->placed()) << "instance " << instance << " query " << q;
      const Placement& p = *d->placement;
      if (first_fit) {
        ASSERT_EQ(p.start, *expected) << "instance " << instance << " query " << q;
      }
      ASSERT_GE(p.start, *expected);
      ASSERT_LE(p.start, ls);
      ASSERT_EQ(p.end, p.start + dur);
      ASSERT_EQ(p.gpus(), r.gpus);
      ASSERT_EQ(d->reasons.size(), static_cast<size_t>(topo.num_sites() - 1));
      std::set<PodIndex> pods;
      for (const Allocation& a : p.allocations) {
        ASSERT_EQ(topo.node(a.node).site, p.site);
        ASSERT_EQ(topo.node(a.node).model, model);
        pods.insert(topo.node(a.node).pod);
      }
      if (r.scope == Scope::kNode) {
        ASSERT_EQ(p.allocations.size(), 1u);
      }
      if (r.scope != Scope::kSite) {
        ASSERT_EQ(pods.size(), 1u);
      }
      ASSERT_TRUE(engine.Reserve(next++, p, calendar).ok());
      ++placed;
    }
  }
  EXPECT_GT(placed, 500);
  EXPECT_GT(not_placed, 100);
}

// Searching (site, model) pairs in the order of their capacity bounds, and
// passing over those whose bound starts too late, must decide exactly as
// searching every pair in preference order: same site, model, start, GPUs and
// score, and the same reason code for every site left out.
TEST_P(EngineProperty, OrderedSearchDecidesAsPreferenceOrderDoes) {
  std::mt19937_64 rng(29);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const char* kModels[] = {"h100-sxm", "h20"};
  int placed = 0, compared = 0;
  for (int instance = 0; instance < 40; ++instance) {
    FleetSpec spec;
    spec.models = {Model("h100-sxm", "nvidia", 15832, 80), Model("h20", "nvidia", 2368, 96)};
    const int64_t num_sites = uniform(2, 6);
    // Every other instance has identical sites whose calendars stay identical
    // (each placement is copied to every site), so that sites tie exactly,
    // also at starts after the window opens.
    const bool mirrored = instance % 2 == 1;
    int node_id = 0;
    for (int64_t s = 0; s < num_sites; ++s) {
      if (mirrored && s > 0) {
        SiteSpec copy = spec.sites.front();
        copy.id = *SiteId::Parse("s" + std::to_string(s));
        for (PodSpec& pod : copy.pods) {
          pod.id = *PodId::Parse(pod.id.str() + "-" + std::to_string(s));
          for (NodeSpec& node : pod.nodes)
            node.id = *NodeId::Parse("n" + std::to_string(node_id++));
        }
        spec.sites.push_back(copy);
        continue;
      }
      SiteSpec site{
          .id = *SiteId::Parse("s" + std::to_string(s)), .country = {}, .pods = {}, .prices = {}};
      // Few distinct prices, so that scores often tie between sites.
      for (const char* m : kModels) {
        if (uniform(0, 3) == 0) continue;
        site.prices.push_back(
            SitePrice{.model = *ModelId::Parse(m),
                      .per_gpu_hour = *Money::Parse(std::to_string(uniform(1, 3)) + ".00 USD")});
      }
      for (int64_t p = uniform(1, 3); p > 0; --p) {
        PodSpec pod{.id = *PodId::Parse("s" + std::to_string(s) + "p" + std::to_string(p)),
                    .nodes = {}};
        for (int64_t n = uniform(1, 4); n > 0; --n) {
          pod.nodes.push_back(NodeSpec{.id = *NodeId::Parse("n" + std::to_string(node_id++)),
                                       .model = *ModelId::Parse(kModels[uniform(0, 2) == 0]),
                                       .gpus = static_cast<int32_t>(uniform(0, 1) ? 8 : 4)});
        }
        site.pods.push_back(pod);
      }
      spec.sites.push_back(site);
    }
    const Topology topo = *Topology::Build(spec);
    Calendar calendar(topo, uniform(1, 30));
    Engine ordered(topo, MakeProfile(GetParam()).value());
    Engine in_order(topo, MakeProfile(GetParam()).value());
    // Every pair compared, as the two orders pass over different ones
    // once enough candidates tie.
    const DecideOptions by_bounds{.now = {},
                                  .explain = true,
                                  .reasons = true,
                                  .in_preference_order = false,
                                  .max_tied_candidates = 0};
    const DecideOptions by_preference{.now = {},
                                      .explain = true,
                                      .reasons = true,
                                      .in_preference_order = true,
                                      .max_tied_candidates = 0};
    const Seconds t0 = 1000;
    ReservationId next = 1;
    for (int q = 0; q < 60; ++q) {
      Request r;
      r.gpus = uniform(1, 24);
      r.models = {*ModelId::Parse(kModels[uniform(0, 2) == 0])};
      if (uniform(0, 2) == 0)
        r.models.push_back(*ModelId::Parse(kModels[r.models[0].str() == "h20" ? 0 : 1]));
      r.duration = Duration::Seconds(uniform(1, 60));
      r.earliest_start = Instant::FromUnixSeconds(t0 + uniform(0, 200));
      if (uniform(0, 3) != 0) {
        r.latest_end = r.earliest_start + r.duration + Duration::Seconds(uniform(0, 120));
      }
      r.scope = static_cast<Scope>(uniform(0, 2));
      for (int64_t s = 0; s < num_sites; ++s) {
        if (uniform(0, 3) == 0) r.sites.push_back(*SiteId::Parse("s" + std::to_string(s)));
      }
      std::shuffle(r.sites.begin(), r.sites.end(), rng);
      Result<Decision> a = ordered.Decide(r, calendar, by_bounds);
      Result<Decision> b = in_order.Decide(r, calendar, by_preference);
      ASSERT_TRUE(a.ok() && b.ok());
      const std::string where =
          "instance " + std::to_string(instance) + " query " + std::to_string(q);
      ASSERT_EQ(a->placed(), b->placed()) << where;
      ++compared;
      ASSERT_EQ(a->reasons.size(), b->reasons.size()) << where;
      for (size_t i = 0; i < a->reasons.size(); ++i) {
        EXPECT_EQ(a->reasons[i].site, b->reasons[i].site) << where;
        EXPECT_EQ(a->reasons[i].code, b->reasons[i].code)
            << where << " site " << a->reasons[i].site;
      }
      if (!a->placed()) continue;
      const Placement& pa = *a->placement;
      const Placement& pb = *b->placement;
      ASSERT_EQ(pa.site, pb.site) << where;
      ASSERT_EQ(pa.model, pb.model) << where;
      ASSERT_EQ(pa.start, pb.start) << where;
      ASSERT_EQ(pa.allocations, pb.allocations) << where;
      ASSERT_EQ(pa.score, pb.score) << where;
      ASSERT_TRUE(ordered.Reserve(next++, pa, calendar).ok());
      if (mirrored) {
        const NodeIndex first = topo.site(pa.site).first_node;
        for (SiteIndex other = 0; other < topo.num_sites(); ++other) {
          if (other == pa.site) continue;
          std::vector<Allocation> copy = pa.allocations;
          for (Allocation& moved : copy)
            moved.node = moved.node - first + topo.site(other).first_node;
          ASSERT_TRUE(calendar
                          .Reserve(next++,
                                   *Interval::Make(Instant::FromUnixSeconds(pa.start),
                                                   Instant::FromUnixSeconds(pa.end)),
                                   copy)
                          .ok());
        }
      }
      ++placed;
    }
  }
  EXPECT_GT(placed, 800);
  EXPECT_EQ(compared, 40 * 60);
}

INSTANTIATE_TEST_SUITE_P(Profiles, EngineProperty,
                         ::testing::Values("first-fit", "best-fit", "fragmentation-aware"));

}  // namespace
}  // namespace straits::placement

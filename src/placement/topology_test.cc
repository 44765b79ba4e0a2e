#include "placement/topology.h"

#include <gtest/gtest.h>

namespace straits::placement {
namespace {

ModelSpec Model(const char* id) {
  return ModelSpec{.id = *ModelId::Parse(id), .vendor = "nvidia", .tpp = 1000, .memory_gb = 80};
}
NodeSpec Node(const char* id, const char* model, int32_t gpus) {
  return NodeSpec{.id = *NodeId::Parse(id), .model = *ModelId::Parse(model), .gpus = gpus};
}

FleetSpec TwoSites() {
  FleetSpec spec;
  spec.models = {Model("h100-sxm"), Model("h20")};
  spec.sites.push_back(SiteSpec{
      .id = *SiteId::Parse("sg-1"),
      .country = *Country::Parse("SG"),
      .pods = {PodSpec{.id = *PodId::Parse("sg-1-p1"),
                       .nodes = {Node("a1", "h20", 8), Node("a2", "h100-sxm", 8),
                                 Node("a3", "h20", 4)}},
               PodSpec{.id = *PodId::Parse("sg-1-p2"), .nodes = {Node("b1", "h100-sxm", 8)}}},
      .prices = {SitePrice{.model = *ModelId::Parse("h100-sxm"),
                           .per_gpu_hour = *Money::Parse("2.50 USD")}}});
  spec.sites.push_back(SiteSpec{
      .id = *SiteId::Parse("my-1"),
      .country = *Country::Parse("MY"),
      .pods = {PodSpec{.id = *PodId::Parse("my-1-p1"), .nodes = {Node("c1", "h100-sxm", 8)}}},
      .prices = {}});
  return spec;
}

TEST(Topology, IndexesSitesPodsCellsAndNodes) {
  Result<Topology> topo = Topology::Build(TwoSites());
  ASSERT_TRUE(topo.ok()) << topo.status();
  EXPECT_EQ(topo->num_sites(), 2);
  EXPECT_EQ(topo->num_pods(), 3);
  EXPECT_EQ(topo->num_nodes(), 5);
  EXPECT_EQ(topo->total_gpus(), 36);
  // Pod sg-1-p1 is split into cells by model, h100-sxm (model 0) first.
  const PodInfo& p1 = topo->pod(0);
  EXPECT_EQ(p1.end_cell - p1.first_cell, 2);
  EXPECT_EQ(topo->node(0).id.str(), "a2");
  EXPECT_EQ(topo->node(1).id.str(), "a1");
  EXPECT_EQ(topo->node(2).id.str(), "a3");
  const CellInfo& h20 = topo->cell(1);
  EXPECT_EQ(h20.gpus, 12);
  EXPECT_EQ(h20.max_node_gpus, 8);
  EXPECT_EQ(topo->SiteModelCells(0, 0).size(), 2u);  // h100 in both pods of sg-1
  EXPECT_EQ(topo->SiteModelGpus(0, 0), 16);
  // The site's h100 nodes, cell by cell: a2 (node 0) in sg-1-p1, b1 (node 3) in sg-1-p2.
  EXPECT_EQ(
      std::vector<NodeIndex>(topo->SiteModelNodes(0, 0).begin(), topo->SiteModelNodes(0, 0).end()),
      (std::vector<NodeIndex>{0, 3}));
  EXPECT_EQ(
      std::vector<NodeIndex>(topo->SiteModelNodes(0, 1).begin(), topo->SiteModelNodes(0, 1).end()),
      (std::vector<NodeIndex>{1, 2}));
  EXPECT_TRUE(topo->SiteModelNodes(1, 1).empty());
  EXPECT_EQ(topo->SiteModelNodes(1, 0).size(), 1u);
  EXPECT_EQ(topo->SiteModelGpus(1, 1), 0);
  EXPECT_EQ(topo->Price(0, 0)->ToString(), "2.50 USD");
  EXPECT_FALSE(topo->Price(1, 0).has_value());
  EXPECT_EQ(topo->FindNode("b1"), 3);
  EXPECT_EQ(topo->FindSite("my-1"), 1);
  EXPECT_EQ(topo->FindModel("h20"), 1);
  EXPECT_EQ(topo->FindModel("b200"), std::nullopt);
  for (NodeIndex n = 0; n < topo->num_nodes(); ++n) {
    const CellInfo& cell = topo->cell(topo->node(n).cell);
    EXPECT_GE(n, cell.first_node);
    EXPECT_LT(n, cell.end_node);
    EXPECT_EQ(cell.model, topo->node(n).model);
  }
}

TEST(Topology, RejectsBadFleets) {
  struct Case {
    const char* name;
    void (*mutate)(FleetSpec&);
    const char* field;
  };
  const Case cases[] = {
      {"duplicate site", [](FleetSpec& f) { f.sites[1].id = f.sites[0].id; }, "sites[1].id"},
      {"duplicate pod", [](FleetSpec& f) { f.sites[1].pods[0].id = f.sites[0].pods[0].id; },
       "sites[1].pods[0].id"},
      {"duplicate node",
       [](FleetSpec& f) { f.sites[1].pods[0].nodes[0].id = f.sites[0].pods[0].nodes[0].id; },
       "sites[1].pods[0].nodes[0].id"},
      {"unknown model",
       [](FleetSpec& f) { f.sites[0].pods[1].nodes[0].model = *ModelId::Parse("x"); },
       "sites[0].pods[1].nodes[0].model"},
      {"zero gpus", [](FleetSpec& f) { f.sites[0].pods[0].nodes[2].gpus = 0; },
       "sites[0].pods[0].nodes[2].gpus"},
      {"duplicate model", [](FleetSpec& f) { f.models[1].id = f.models[0].id; }, "models[1].id"},
      {"negative tpp", [](FleetSpec& f) { f.models[0].tpp = -1; }, "models[0].tpp"},
      {"price currency",
       [](FleetSpec& f) {
         f.sites[1].prices.push_back({*ModelId::Parse("h100-sxm"), *Money::Parse("3 SGD")});
       },
       "sites[1].prices[0].per_gpu_hour"},
      {"price model",
       [](FleetSpec& f) {
         f.sites[1].prices.push_back({*ModelId::Parse("b200"), *Money::Parse("3 USD")});
       },
       "sites[1].prices[0].model"},
  };
  for (const Case& c : cases) {
    FleetSpec spec = TwoSites();
    c.mutate(spec);
    Result<Topology> topo = Topology::Build(spec);
    ASSERT_FALSE(topo.ok()) << c.name;
    EXPECT_EQ(topo.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(topo.status().field(), c.field) << c.name;
  }
}

}  // namespace
}  // namespace straits::placement

#include "placement/fleet_input.h"

#include <gtest/gtest.h>

#include "catalog/shipped.h"
#include "fleet/fleet_file.h"

namespace straits::placement {
namespace {

constexpr const char* kFleet = R"(
[[organization]]
id = "op"
name = "Operator"
hq = "SG"
kinds = ["operator"]

[[site]]
id = "sg-1"
name = "SG 1"
country = "SG"
city = "Singapore"
operator = "op"

[[pod]]
id = "sg-1-a"
site = "sg-1"

[[node]]
hostname = "sg1-h20-[01-03]"
pod = "sg-1-a"
model = "h20"
gpus = 8
)";

TEST(FleetInput, TakesModelAttributesFromTheCatalog) {
  Result<fleet::Fleet> f = fleet::ParseFleetToml(kFleet, "fleet.toml");
  ASSERT_TRUE(f.ok()) << f.status();
  Result<catalog::Catalog> c = catalog::LoadShippedCatalog();
  ASSERT_TRUE(c.ok()) << c.status();
  Result<FleetSpec> spec = FleetSpecFromFleet(*f, *c);
  ASSERT_TRUE(spec.ok()) << spec.status();
  Result<Topology> topo = Topology::Build(*spec);
  ASSERT_TRUE(topo.ok()) << topo.status();
  EXPECT_EQ(topo->num_nodes(), 3);
  EXPECT_EQ(topo->total_gpus(), 24);
  const ModelSpec& h20 = topo->model(*topo->FindModel("h20"));
  EXPECT_EQ(h20.vendor, "nvidia");
  EXPECT_GT(h20.tpp, 2000);  // H20: TPP about 2,368
  EXPECT_LT(h20.tpp, 4800);
  EXPECT_EQ(h20.memory_gb, 96);
  EXPECT_EQ(topo->site(0).country->code(), "SG");
}

TEST(FleetInput, RejectsModelsOutsideTheCatalog) {
  std::string text = kFleet;
  text.replace(text.find("\"h20\""), 5, "\"x900\"");
  Result<fleet::Fleet> f = fleet::ParseFleetToml(text, "fleet.toml");
  ASSERT_TRUE(f.ok()) << f.status();
  Result<FleetSpec> spec = FleetSpecFromFleet(*f, *catalog::LoadShippedCatalog());
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(spec.status().field(), "nodes[0].model");
}

}  // namespace
}  // namespace straits::placement

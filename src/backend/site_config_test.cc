#include "backend/site_config.h"

#include <gtest/gtest.h>

#include "fleet/fleet_file.h"

namespace straits::backend {
namespace {

constexpr std::string_view kFleet = R"toml(
[[site]]
id = "sg-jurong-1"
name = "Jurong 1"
country = "SG"
city = "Singapore"
operator = "op"

[[site_backend]]
site = "sg-jurong-1"
backend = "slurm"
cluster = "sg1"
slurm_conf = "/tmp/straits-slurm/sg1/slurm.conf"
name_prefix = "t1-"
env = { SLURM_TIME_FORMAT = "standard" }
nodes = { "sgj1-h100-001" = "sg1-n1", "sgj1-h100-002" = "sg1-n2" }
)toml";

TEST(SiteConfig, ReadsSlurmSitesFromTheFleetFile) {
  Result<fleet::Fleet> parsed = fleet::ParseFleetToml(kFleet, "fleet.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  Result<std::vector<slurm::SlurmSiteConfig>> sites = SlurmSitesOf(*parsed, "fleet.toml");
  ASSERT_TRUE(sites.ok()) << sites.status();
  ASSERT_EQ(sites->size(), 1u);
  const slurm::SlurmSiteConfig& c = (*sites)[0];
  EXPECT_EQ(c.site.str(), "sg-jurong-1");
  EXPECT_EQ(c.cluster, "sg1");
  EXPECT_EQ(c.slurm_conf, "/tmp/straits-slurm/sg1/slurm.conf");
  EXPECT_EQ(c.name_prefix, "t1-");
  EXPECT_EQ(c.user, "root");
  EXPECT_EQ(c.work_dir, "/tmp");
  EXPECT_EQ(c.env.at("SLURM_TIME_FORMAT"), "standard");
  EXPECT_EQ(c.nodes.at("sgj1-h100-002"), "sg1-n2");
}

TEST(SiteConfig, ErrorsNameFileAndLine) {
  struct Case {
    std::string text;
    std::string field;
    std::string message_part;
  };
  const Case cases[] = {
      {"[[site_backend]]\nsite = \"s\"\nbackend = \"pbs\"\n", "f.toml:3", "accepted: sim, slurm"},
      {"[[site_backend]]\nsite = \"s\"\nbackend = \"slurm\"\n", "f.toml:1", "\"cluster\""},
      {"[[site_backend]]\nsite = \"s\"\nbackend = \"sim\"\nport = 1\n", "f.toml:4",
       "unknown key \"port\""},
      {"[[site_backend]]\nsite = \"s\"\nbackend = \"slurm\"\ncluster = \"c\"\nnodes = { a = 1 }\n",
       "f.toml:5", "nodes.a"},
  };
  for (const Case& c : cases) {
    Result<fleet::Fleet> parsed = fleet::ParseFleetToml(c.text, "f.toml");
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().field(), c.field) << c.text;
    EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos) << parsed.status();
  }
}

TEST(SiteConfig, UnknownOrRepeatedSiteIsRefused) {
  std::string text =
      std::string(kFleet) + "\n[[site_backend]]\nsite = \"sg-jurong-1\"\nbackend = \"sim\"\n";
  Result<fleet::Fleet> parsed = fleet::ParseFleetToml(text, "fleet.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  Result<std::vector<slurm::SlurmSiteConfig>> sites = SlurmSitesOf(*parsed, "fleet.toml");
  ASSERT_FALSE(sites.ok());
  EXPECT_EQ(sites.status().field(), "fleet.toml:18");
  parsed->site_backends[1].site = *SiteId::Parse("nowhere");
  sites = SlurmSitesOf(*parsed, "fleet.toml");
  ASSERT_FALSE(sites.ok());
  EXPECT_NE(sites.status().message().find("unknown site \"nowhere\""), std::string::npos);
}

}  // namespace
}  // namespace straits::backend

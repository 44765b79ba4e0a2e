#include "placement/json.h"

#include <gtest/gtest.h>

#include "placement/engine.h"

namespace straits::placement {
namespace {

TEST(RequestJson, ParsesEveryKey) {
  Result<Request> r = ParseRequestJson(R"({
    "id": "train-70b", "tenant": "qiantang-sg", "gpus": 64,
    "models": ["h100-sxm", "h200-sxm"],
    "constraints": {"min_tpp": 4800, "min_memory_gb": 80, "vendor": "nvidia"},
    "duration": "72h", "earliest_start": "2025-06-01", "latest_end": "2025-06-10T00:00:00Z",
    "scope": "pod", "sites": ["sg-1", "my-1"], "only_listed_sites": true,
    "max_price_per_gpu_hour": "3.00 USD"})",
                                       "r.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, "train-70b");
  EXPECT_EQ(r->tenant->str(), "qiantang-sg");
  EXPECT_EQ(r->gpus, 64);
  EXPECT_EQ(r->models.size(), 2u);
  EXPECT_EQ(*r->constraints.min_tpp, 4800);
  EXPECT_EQ(*r->constraints.vendor, "nvidia");
  EXPECT_EQ(r->duration, Duration::Hours(72));
  EXPECT_EQ(r->earliest_start, *Instant::Parse("2025-06-01"));
  EXPECT_EQ(*r->latest_end, *Instant::Parse("2025-06-10"));
  EXPECT_EQ(r->scope, Scope::kPod);
  EXPECT_TRUE(r->only_listed_sites);
  EXPECT_EQ(r->max_price_per_gpu_hour->ToString(), "3.00 USD");
}

TEST(RequestJson, FixedStartIsAWindowOfTheDuration) {
  Result<Request> r = ParseRequestJson(
      R"({"gpus": 8, "models": ["h20"], "duration": "4h", "start": "2025-06-01T08:00:00Z"})",
      "r.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->latest_end - r->earliest_start, Duration::Hours(4));
}

TEST(RequestJson, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"([1, 2])", ""},
      {R"({"gpus": 8, "duration": "4h"})", "earliest_start"},
      {R"({"gpus": "8", "duration": "4h", "earliest_start": "2025-06-01"})", "gpus"},
      {R"({"duration": "4h", "earliest_start": "2025-06-01"})", "gpus"},
      {R"({"gpus": 8, "earliest_start": "2025-06-01"})", "duration"},
      {R"({"gpus": 8, "duration": "4 hours", "earliest_start": "2025-06-01"})", "duration"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "June 1st"})", "earliest_start"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "2025-06-01", "colour": 1})", "colour"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "2025-06-01", "models": ["ok", "no way"]})",
       "models[1]"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "2025-06-01", "constraints": {"min_tpp": "x"}})",
       "constraints.min_tpp"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "2025-06-01", "scope": "rack"})",
       "scope"},
      {R"({"gpus": 8, "duration": "4h", "earliest_start": "2025-06-01", "max_price_per_gpu_hour": "3"})",
       "max_price_per_gpu_hour"},
      {R"({"gpus": 8, "duration": "4h", "start": "2025-06-01", "latest_end": "2025-06-02"})",
       "start"},
      {"{\"gpus\": 8,\n \"duration\": }", "r.json:2:14"},
  };
  for (const Case& c : cases) {
    Result<Request> r = ParseRequestJson(c.json, "r.json");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(r.status().field(), c.field) << c.json << " -> " << r.status();
  }
}

TEST(DecisionJson, ShowsPlacementAndReasonsById) {
  FleetSpec spec;
  spec.models = {
      ModelSpec{.id = *ModelId::Parse("h20"), .vendor = "nvidia", .tpp = 2368, .memory_gb = 96}};
  for (const char* site : {"sg-1", "my-1"}) {
    spec.sites.push_back(SiteSpec{
        .id = *SiteId::Parse(site),
        .country = {},
        .pods = {PodSpec{.id = *PodId::Parse(std::string(site) + "-a"),
                         .nodes = {{*NodeId::Parse(std::string(site) + "-n1"),
                                    *ModelId::Parse("h20"), std::string(site) == "sg-1" ? 8 : 4}}}},
        .prices = {SitePrice{*ModelId::Parse("h20"), *Money::Parse("1.20 USD")}}});
  }
  const Topology topo = *Topology::Build(spec);
  Calendar cal(topo);
  Engine engine(topo, MakeProfile("best-fit").value());
  Request r = *ParseRequestJson(
      R"({"gpus": 8, "models": ["h20"], "duration": "2h", "earliest_start": "2025-06-01"})", "r");
  Result<Decision> d = engine.Decide(r, cal);
  ASSERT_TRUE(d.ok() && d->placed());
  const std::string json = boost::json::serialize(DecisionToJson(*d, topo));
  EXPECT_NE(json.find(R"("placed":true)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("site":"sg-1")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("nodes":[{"node":"sg-1-n1","gpus":8}])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("start":"2025-06-01T00:00:00Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("price_per_gpu_hour":"1.20 USD")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("code":"no_matching_hardware")"), std::string::npos) << json;
  const std::string text = FormatDecision(*d, topo);
  EXPECT_NE(text.find("placed: 8 x h20 at sg-1"), std::string::npos) << text;
  EXPECT_NE(text.find("my-1: no_matching_hardware (GroupSize)"), std::string::npos) << text;
}

}  // namespace
}  // namespace straits::placement

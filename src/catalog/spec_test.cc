#include "catalog/spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace straits::catalog {
namespace {

AcceleratorSpec ValidSpec() {
  AcceleratorSpec spec;
  spec.name = "X1";
  spec.datacenter = true;
  spec.die_area_mm2 = 814.0;
  spec.throughputs.push_back(Throughput::Dense("fp8", 8, 296.0));
  return spec;
}

TEST(ValidateSpec, AcceptsAMinimalSpec) { EXPECT_TRUE(ValidateSpec(ValidSpec()).ok()); }

TEST(ValidateSpec, RejectsBadValuesNamingTheField) {
  struct Case {
    const char* label;
    void (*mutate)(AcceleratorSpec&);
    const char* field;
  };
  const Case cases[] = {
      {"no throughput", [](AcceleratorSpec& s) { s.throughputs.clear(); }, "throughput"},
      {"empty name", [](AcceleratorSpec& s) { s.name.clear(); }, "name"},
      {"zero bits", [](AcceleratorSpec& s) { s.throughputs[0].bits = 0; }, "throughput[0].bits"},
      {"huge bits", [](AcceleratorSpec& s) { s.throughputs[0].bits = 512; }, "throughput[0].bits"},
      {"negative tops", [](AcceleratorSpec& s) { s.throughputs[0].tops = -1; },
       "throughput[0].tops"},
      {"zero tops", [](AcceleratorSpec& s) { s.throughputs[0].tops = 0; }, "throughput[0].tops"},
      {"nan tops",
       [](AcceleratorSpec& s) { s.throughputs[0].tops = std::numeric_limits<double>::quiet_NaN(); },
       "throughput[0].tops"},
      {"zero units", [](AcceleratorSpec& s) { s.throughputs[0].unit_count = 0; },
       "throughput[0].units"},
      {"inconsistent units",
       [](AcceleratorSpec& s) {
         s.throughputs.push_back(Throughput::Dense("fp16", 16, 148, "", 2));
       },
       "throughput[1].units"},
      {"zero die area", [](AcceleratorSpec& s) { s.die_area_mm2 = 0.0; }, "die_area_mm2"},
      {"negative die area", [](AcceleratorSpec& s) { s.die_area_mm2 = -5.0; }, "die_area_mm2"},
      {"infinite die area",
       [](AcceleratorSpec& s) { s.die_area_mm2 = std::numeric_limits<double>::infinity(); },
       "die_area_mm2"},
      {"area and dies", [](AcceleratorSpec& s) { s.dies.push_back(Die::Make("", 100, 1)); }, "die"},
      {"zero die entry",
       [](AcceleratorSpec& s) {
         s.die_area_mm2.reset();
         s.dies.push_back(Die::Make("", 0, 1));
       },
       "die[0].area_mm2"},
      {"zero die count",
       [](AcceleratorSpec& s) {
         s.die_area_mm2.reset();
         s.dies.push_back(Die::Make("", 10, 0));
       },
       "die[0].count"},
      {"negative interconnect", [](AcceleratorSpec& s) { s.interconnect_bidir_gbps = -1.0; },
       "interconnect_bidir_gbps"},
      {"zero memory", [](AcceleratorSpec& s) { s.memory_gb = 0.0; }, "memory_gb"},
      {"negative bandwidth", [](AcceleratorSpec& s) { s.memory_bandwidth_gbps = -3.0; },
       "memory_bandwidth_gbps"},
      {"negative host link", [](AcceleratorSpec& s) { s.host_link_bidir_gbps = -3.0; },
       "host_link_bidir_gbps"},
      {"year", [](AcceleratorSpec& s) { s.year = 20; }, "year"},
  };
  for (const Case& c : cases) {
    AcceleratorSpec spec = ValidSpec();
    c.mutate(spec);
    Status status = ValidateSpec(spec);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_EQ(status.field(), c.field) << c.label << ": " << status;
    EXPECT_NE(status.message().find(c.field), std::string::npos) << c.label << ": " << status;
  }
}

TEST(ValidateSpec, ZeroInterconnectIsAKnownValue) {
  AcceleratorSpec spec = ValidSpec();
  spec.interconnect_bidir_gbps = 0.0;
  EXPECT_TRUE(ValidateSpec(spec).ok());
}

TEST(ValidateSpec, CatalogEntriesMayLackThroughput) {
  AcceleratorSpec spec = ValidSpec();
  spec.throughputs.clear();
  EXPECT_TRUE(ValidateSpec(spec, /*require_throughput=*/false).ok());
}

}  // namespace
}  // namespace straits::catalog

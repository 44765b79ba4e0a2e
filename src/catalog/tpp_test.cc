#include "catalog/tpp.h"

#include <gtest/gtest.h>

namespace straits::catalog {
namespace {

AcceleratorSpec WithThroughputs(std::vector<Throughput> throughputs) {
  AcceleratorSpec spec;
  spec.name = "test";
  spec.throughputs = std::move(throughputs);
  return spec;
}

TEST(Tpp, IsTheHighestPrecisionTimesBitLength) {
  // A100: FP64 19.5 x 64 = 1248, TF32 156 x 32 = 4992, FP16 312 x 16 = 4992, INT8 624 x 8 = 4992.
  AcceleratorSpec a100 =
      WithThroughputs({Throughput::Dense("fp64", 64, 19.5), Throughput::Dense("tf32", 32, 156),
                       Throughput::Dense("fp16", 16, 312), Throughput::Dense("int8", 8, 624)});
  EXPECT_DOUBLE_EQ(Tpp(a100), 4992);
}

TEST(Tpp, Fp64MatrixCanBeTheMaximum) {
  // MI210: FP64 45.3 x 64 = 2899.2 beats FP16 181 x 16 = 2896.
  AcceleratorSpec mi210 =
      WithThroughputs({Throughput::Dense("fp64", 64, 45.3), Throughput::Dense("fp16", 16, 181)});
  EXPECT_NEAR(Tpp(mi210), 2899.2, 1e-9);
}

TEST(Tpp, NarrowFormatsCanBeTheMaximum) {
  // A30: INT4 661 x 4 = 2644 beats INT8 330 x 8 = 2640.
  AcceleratorSpec a30 =
      WithThroughputs({Throughput::Dense("int8", 8, 330), Throughput::Dense("int4", 4, 661)});
  EXPECT_DOUBLE_EQ(Tpp(a30), 2644);
}

TEST(Tpp, SumsOverProcessingUnitsAndDies) {
  // Two identical compute dies at 400 TFLOPS FP16 each, plus a separate unit.
  AcceleratorSpec spec = WithThroughputs({
      Throughput::Dense("fp16", 16, 400, "die", 2),
      Throughput::Dense("int8", 8, 700, "die", 2),
      Throughput::Dense("fp32", 32, 10, "cpu", 1),
  });
  // die: max(6400, 5600) x 2 = 12800; cpu: 320.
  EXPECT_DOUBLE_EQ(Tpp(spec), 12800 + 320);
}

TEST(Tpp, IsZeroWithoutThroughput) {
  AcceleratorSpec spec = WithThroughputs({});
  EXPECT_FALSE(HasThroughput(spec));
  EXPECT_EQ(Tpp(spec), 0);
  EXPECT_FALSE(PerformanceDensity(spec).has_value());
  EXPECT_FALSE(ComputeFigures(spec).tpp.has_value());
}

TEST(PerformanceDensity, DividesByTheApplicableDieArea) {
  AcceleratorSpec h100 = WithThroughputs({Throughput::Dense("fp8", 8, 1979)});
  EXPECT_FALSE(PerformanceDensity(h100).has_value());
  h100.die_area_mm2 = 814;
  EXPECT_NEAR(*PerformanceDensity(h100), 15832.0 / 814, 1e-12);
}

TEST(PerformanceDensity, SumsAllLogicDies) {
  // MI300X-like chiplets: 8 compute dies and 4 I/O dies all count.
  AcceleratorSpec spec = WithThroughputs({Throughput::Dense("fp8", 8, 2614.9)});
  spec.dies = {Die::Make("XCD", 115, 8), Die::Make("IOD", 370, 4)};
  EXPECT_DOUBLE_EQ(*ApplicableDieArea(spec), 8 * 115 + 4 * 370);
  EXPECT_NEAR(*PerformanceDensity(spec), 2614.9 * 8 / 2400, 1e-12);
}

TEST(AggregateIo, AddsTheHostLinkWhenGivenApart) {
  AcceleratorSpec a800 = WithThroughputs({});
  EXPECT_FALSE(AggregateIoBidirGbps(a800).has_value());
  a800.host_link_bidir_gbps = 64;
  EXPECT_FALSE(AggregateIoBidirGbps(a800).has_value()) << "interconnect unknown";
  a800.interconnect_bidir_gbps = 400;
  EXPECT_DOUBLE_EQ(*AggregateIoBidirGbps(a800), 464);
}

}  // namespace
}  // namespace straits::catalog

#include "placement/trace.h"

#include <gtest/gtest.h>

namespace straits::placement {
namespace {

TEST(Trace, ParsesElasticFlowSortedByArrival) {
  const char* text =
      "job_id,submission_time,duration,num_gpu\n"
      "b,200,50,8\n"
      "a,100,30,1\n"
      "c,200,10,64\n";
  Result<Trace> t = LoadTrace(text, TraceFormat::kElasticFlow, "c.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->jobs.size(), 3u);
  EXPECT_EQ(t->jobs[0].id, "a");
  EXPECT_EQ(t->jobs[1].id, "b");  // ties keep file order
  EXPECT_EQ(t->jobs[2].id, "c");
  EXPECT_EQ(t->jobs[2].gpus, 64);
  EXPECT_EQ(t->jobs[1].duration, 50);
  EXPECT_TRUE(t->jobs[0].gpu_types.empty());
  EXPECT_EQ(t->source, "c.csv");
}

TEST(Trace, MergesOnOneTimeAxis) {
  Trace a = *LoadTrace("job_id,submission_time,duration,num_gpu\na1,10,5,1\na2,30,5,1\n",
                       TraceFormat::kElasticFlow, "a.csv");
  Trace b = *LoadTrace("job_id,submission_time,duration,num_gpu\nb1,20,5,2\n",
                       TraceFormat::kElasticFlow, "b.csv");
  Trace m = MergeTraces({a, b});
  ASSERT_EQ(m.jobs.size(), 3u);
  EXPECT_EQ(m.jobs[1].id, "b1");
  EXPECT_EQ(m.source, "a.csv+b.csv");
}

TEST(Trace, ParsesOpenbTypesFractionsAndRunTimes) {
  const char* text =
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,"
      "deletion_time,scheduled_time\n"
      "p0,1000,1024,1,460,,LS,Running,0,100,10\n"
      "p1,1000,1024,0,0,,BE,Running,5,100,5\n"
      "p2,1000,1024,2,1000,V100M16|V100M32|V100M32,LS,Pending,20,80,\n"
      "p3,1000,1024,1,1000,,LS,Pending,30,30,\n";
  Result<Trace> t = LoadTrace(text, TraceFormat::kOpenB, "openb.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->jobs.size(), 2u);
  EXPECT_EQ(t->skipped_without_gpu, 1);
  EXPECT_EQ(t->skipped_zero_duration, 1);
  EXPECT_EQ(t->rounded_up_fractional, 1);
  EXPECT_EQ(t->jobs[0].duration, 90);  // deletion - scheduled
  EXPECT_EQ(t->jobs[0].gpus, 1);
  EXPECT_EQ(t->jobs[1].duration, 60);  // never scheduled: deletion - creation
  EXPECT_EQ(t->jobs[1].gpu_types, (std::vector<std::string>{"v100m16", "v100m32"}));
}

TEST(Trace, ErrorsNameFileAndLine) {
  struct Case {
    const char* text;
    TraceFormat format;
    const char* field;
  };
  const Case cases[] = {
      {"job_id,submission_time,num_gpu\nx,1,1\n", TraceFormat::kElasticFlow, "t.csv:1"},
      {"job_id,submission_time,duration,num_gpu\nx,1,10,1\ny,abc,10,1\n", TraceFormat::kElasticFlow,
       "t.csv:3"},
      {"job_id,submission_time,duration,num_gpu\nx,1,0,1\n", TraceFormat::kElasticFlow, "t.csv:2"},
      {"job_id,submission_time,duration,num_gpu\nx,1,5,0\n", TraceFormat::kElasticFlow, "t.csv:2"},
      {"job_id,submission_time,duration,num_gpu\nx,-1,5,1\n", TraceFormat::kElasticFlow, "t.csv:2"},
      {"name,num_gpu,gpu_milli,gpu_spec,creation_time,deletion_time,scheduled_time\n"
       "p,1,1000,,10,50,60\n",
       TraceFormat::kOpenB, "t.csv:2"},
  };
  for (const Case& c : cases) {
    Result<Trace> t = LoadTrace(c.text, c.format, "t.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().field(), c.field) << t.status();
  }
  EXPECT_EQ(ParseTraceFormat("philly").status().field(), "format");
  EXPECT_EQ(*ParseTraceFormat("openb"), TraceFormat::kOpenB);
}

TEST(Trace, OpenbNodeListBecomesAFleet) {
  const char* text =
      "sn,cpu_milli,memory_mib,gpu,model\n"
      "openb-node-0000,64000,262144,2,P100\n"
      "openb-node-0001,64000,262144,8,V100M32\n"
      "openb-node-0002,64000,262144,0,\n";
  Result<FleetSpec> fleet = LoadOpenbFleet(text, "nodes.csv");
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  Result<Topology> topo = Topology::Build(*fleet);
  ASSERT_TRUE(topo.ok()) << topo.status();
  EXPECT_EQ(topo->num_nodes(), 2);
  EXPECT_EQ(topo->total_gpus(), 10);
  EXPECT_TRUE(topo->FindModel("v100m32").has_value());
  EXPECT_EQ(topo->model(*topo->FindModel("v100m32")).memory_gb, 32);
}

}  // namespace
}  // namespace straits::placement

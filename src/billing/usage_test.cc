#include "billing/usage.h"

#include <gtest/gtest.h>

#include <map>

namespace straits::billing {
namespace {

Instant At(const char* text) { return *Instant::Parse(text); }

UsageRecord Rec(const char* lease, const char* node, const char* start, const char* end,
                int64_t gpu_seconds, const char* series = "") {
  return UsageRecord{
      *LeaseId::Parse(lease), *NodeId::Parse(node), At(start), At(end), gpu_seconds, 0, series};
}

TEST(ParseUsageCsv, ReadsRecordsWithColumnsInAnyOrder) {
  const char* text =
      "# metered by the simulated backend\n"
      "node,lease,start,end,gpu_seconds,comment\n"
      "n1,L1,2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,28800,first hour\n"
      "n1,L1,2026-10-01T01:00:00Z,2026-10-01T02:00:00Z,14400,\n";
  Result<std::vector<UsageRecord>> records = ParseUsageCsv(text, "usage.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].lease.str(), "L1");
  EXPECT_EQ((*records)[0].gpu_seconds, 28800);
  EXPECT_EQ((*records)[1].line, 4);
}

TEST(ParseUsageCsv, ReadsTheOptionalSeriesColumn) {
  const char* text =
      "lease,node,start,end,gpu_seconds,series\n"
      "L1,n1,2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,7200,sg1:1000003:alloc\n"
      "L1,n1,2026-10-01T00:00:00Z,2026-10-01T01:00:00Z,3600,\n";
  Result<std::vector<UsageRecord>> records = ParseUsageCsv(text, "usage.csv");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].series, "sg1:1000003:alloc");
  EXPECT_EQ((*records)[1].series, "");
}

TEST(ParseUsageCsv, NamesLineAndColumnOfBadInput) {
  struct Case {
    const char* text;
    const char* field;
    const char* needle;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"lease,node,start,end\nL1,n1,2026-10-01,2026-10-02\n", "u.csv:header", "gpu_seconds"},
           {"lease,node,start,end,gpu_seconds\nL1,n1,2026-10-01,2026-10-02,-5\n", "u.csv:2",
            "gpu_seconds"},
           {"lease,node,start,end,gpu_seconds\nL1,n1,2026-13-01,2026-10-02,5\n", "u.csv:2",
            "start"},
           {"lease,node,start,end,gpu_seconds\nL1,n1,2026-10-02,2026-10-01,5\n", "u.csv:2", "end"},
           {"lease,node,start,end,gpu_seconds\n,n1,2026-10-01,2026-10-02,5\n", "u.csv:2", "lease"},
           {"lease,node,start,end,gpu_seconds\nL1,n1,2026-10-01,2026-10-02\n", "u.csv:2", "fields"},
       }) {
    Result<std::vector<UsageRecord>> r = ParseUsageCsv(c.text, "u.csv");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field) << r.status();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
}

TEST(UsageLedger, ReimportingTheSameRecordsChangesNothing) {
  UsageLedger ledger;
  std::vector<UsageRecord> batch = {
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 28800),
      Rec("L1", "n1", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 28800),
      Rec("L2", "n2", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 3600)};
  IngestStats first = *ledger.Ingest(batch);
  EXPECT_EQ(first.added, 3);
  EXPECT_EQ(first.duplicates, 0);
  IngestStats again = *ledger.Ingest(batch);
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.duplicates, 3);
  EXPECT_EQ(ledger.size(), 3);
  // A later import that repeats part of the earlier one adds only the new hour.
  std::vector<UsageRecord> more = {
      batch[1], Rec("L1", "n1", "2026-10-01T02:00:00Z", "2026-10-01T03:00:00Z", 28800)};
  IngestStats third = *ledger.Ingest(more);
  EXPECT_EQ(third.added, 1);
  EXPECT_EQ(third.duplicates, 1);
  EXPECT_EQ(ledger.size(), 4);
}

TEST(UsageLedger, AcceptsRecordsOutOfOrder) {
  UsageLedger ledger;
  std::vector<UsageRecord> batch = {
      Rec("L1", "n1", "2026-10-01T02:00:00Z", "2026-10-01T03:00:00Z", 10),
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 10),
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 10)};  // repeated
  IngestStats stats = *ledger.Ingest(batch);
  EXPECT_EQ(stats.added, 2);
  EXPECT_EQ(stats.duplicates, 1);
  IngestStats middle = *ledger.Ingest(
      std::vector{Rec("L1", "n1", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 7)});
  EXPECT_EQ(middle.added, 1);
  // The gap is now filled: anything overlapping is refused.
  EXPECT_EQ(
      ledger.Ingest(std::vector{Rec("L1", "n1", "2026-10-01T01:30:00Z", "2026-10-01T02:30:00Z", 7)})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

TEST(UsageLedger, RefusesOverlapsAndLeavesNothingHalfImported) {
  UsageLedger ledger;
  ASSERT_TRUE(
      ledger
          .Ingest(std::vector{Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 100)})
          .ok());
  // Same interval, different GPU-seconds: would double count.
  std::vector<UsageRecord> bad = {
      Rec("L9", "n9", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 5),
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 200)};
  bad[1].line = 3;
  Result<IngestStats> r = ledger.Ingest(bad, "usage.csv");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "usage.csv:3");
  EXPECT_EQ(ledger.size(), 1);
  EXPECT_EQ(ledger.leases().size(), 1u);  // L9 was not kept either
  EXPECT_EQ(ledger.LeaseIndex(*LeaseId::Parse("L9")), -1);
  // Overlap inside one batch.
  std::vector<UsageRecord> inner = {
      Rec("L2", "n1", "2026-10-01T00:00:00Z", "2026-10-01T02:00:00Z", 5),
      Rec("L2", "n1", "2026-10-01T01:00:00Z", "2026-10-01T03:00:00Z", 5)};
  EXPECT_EQ(ledger.Ingest(inner).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.size(), 1);
  // The same interval on another node is fine.
  EXPECT_TRUE(
      ledger
          .Ingest(std::vector{Rec("L1", "n2", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 100)})
          .ok());
}

TEST(UsageLedger, KeepsSeriesApartWhenTheMeteringPatternChanges) {
  UsageLedger ledger;
  auto hour = [](const char* start, const char* end) {
    return std::vector{Rec("L1", "n1", start, end, 1), Rec("L1", "n2", start, end, 2),
                       Rec("L2", "n1", start, end, 4)};
  };
  ASSERT_TRUE(ledger.Ingest(hour("2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z")).ok());
  // A failing batch that introduces a new series in the middle of the pattern.
  std::vector<UsageRecord> bad = hour("2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z");
  bad.insert(bad.begin() + 1, Rec("L3", "n9", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 8));
  bad.push_back(Rec("L1", "n1", "2026-10-01T01:30:00Z", "2026-10-01T02:30:00Z", 1));  // overlap
  EXPECT_EQ(ledger.Ingest(bad).status().code(), StatusCode::kInvalidArgument);
  // The pattern changes: nodes swap between leases.
  ASSERT_TRUE(
      ledger
          .Ingest(std::vector{Rec("L1", "n1", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 16),
                              Rec("L2", "n2", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 32),
                              Rec("L1", "n2", "2026-10-01T01:00:00Z", "2026-10-01T02:00:00Z", 64)})
          .ok());
  ASSERT_TRUE(ledger.Ingest(hour("2026-10-01T02:00:00Z", "2026-10-01T03:00:00Z")).ok());
  EXPECT_EQ(ledger.size(), 9);
  std::map<std::string, int64_t> by_series;
  for (int64_t i = 0; i < ledger.size(); ++i) {
    const UsageRecord r = ledger.Get(i);
    by_series[r.lease.str() + "/" + r.node.str()] += r.gpu_seconds;
  }
  EXPECT_EQ(by_series, (std::map<std::string, int64_t>{
                           {"L1/n1", 18}, {"L1/n2", 68}, {"L2/n1", 8}, {"L2/n2", 32}}));
  EXPECT_EQ(ledger.LeaseIndex(*LeaseId::Parse("L3")), -1);
}

TEST(UsageLedger, ConcurrentJobsOfOneLeaseOnOneNodeAreEachCounted) {
  UsageLedger ledger;
  // Two jobs of L1 overlap on n1; a third starts later.
  std::vector<UsageRecord> poll = {
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 7200, "sg1:101:alloc"),
      Rec("L1", "n1", "2026-10-01T00:30:00Z", "2026-10-01T01:30:00Z", 3600, "sg1:102:alloc"),
      Rec("L1", "n1", "2026-10-01T00:10:00Z", "2026-10-01T00:20:00Z", 600, "sg1:103:alloc")};
  IngestStats first = *ledger.Ingest(poll);
  EXPECT_EQ(first.added, 3);
  // Polling the same jobs again adds nothing, in any order and one by one.
  IngestStats again = *ledger.Ingest(std::vector{poll[2], poll[0], poll[1]});
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.duplicates, 3);
  for (const UsageRecord& r : poll) EXPECT_EQ(ledger.Ingest(std::vector{r})->duplicates, 1);
  EXPECT_EQ(ledger.size(), 3);
  // One job reported again with other GPU-seconds would count its time twice.
  Result<IngestStats> changed = ledger.Ingest(std::vector{
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 3600, "sg1:101:alloc")});
  EXPECT_EQ(changed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(changed.status().message().find("series sg1:101:alloc"), std::string::npos)
      << changed.status();
  // Whole-node usage (no series key) keeps its rule: no overlap within it.
  ASSERT_TRUE(
      ledger.Ingest(std::vector{Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 1)})
          .ok());
  EXPECT_EQ(
      ledger.Ingest(std::vector{Rec("L1", "n1", "2026-10-01T00:30:00Z", "2026-10-01T01:30:00Z", 1)})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  // Each record keeps its key, and the scan sums every job's GPU time.
  std::map<std::string, int64_t> by_series;
  for (int64_t i = 0; i < ledger.size(); ++i) {
    const UsageRecord r = ledger.Get(i);
    by_series[r.series] += r.gpu_seconds;
  }
  EXPECT_EQ(
      by_series,
      (std::map<std::string, int64_t>{
          {"", 1}, {"sg1:101:alloc", 7200}, {"sg1:102:alloc", 3600}, {"sg1:103:alloc", 600}}));
  std::vector<int64_t> sums =
      *ledger.SumByLeaseAndBucket(TimeBuckets{{At("2026-10-01"), At("2026-11-01")}});
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0], 7200 + 3600 + 600 + 1);
}

TEST(UsageLedger, AFailedBatchForgetsTheSeriesKeysItIntroduced) {
  UsageLedger ledger;
  ASSERT_TRUE(ledger
                  .Ingest(std::vector{Rec("L1", "n1", "2026-10-01T00:00:00Z",
                                          "2026-10-01T01:00:00Z", 10, "sg1:1:alloc")})
                  .ok());
  std::vector<UsageRecord> bad = {
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 10, "sg1:2:alloc"),
      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 11, "sg1:1:alloc")};
  EXPECT_EQ(ledger.Ingest(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.size(), 1);
  // The key of the refused batch is free again and lands in its own series.
  IngestStats stats = *ledger.Ingest(std::vector{bad[0], bad[0]});
  EXPECT_EQ(stats.added, 1);
  EXPECT_EQ(stats.duplicates, 1);
  EXPECT_EQ(ledger.Get(1).series, "sg1:2:alloc");
}

TEST(UsageLedger, ValidatesSeriesKeys) {
  UsageLedger ledger;
  for (const std::string& key :
       {std::string(kMaxSeriesKeyLength + 1, 'k'), std::string("a\nb"), std::string("a\tb")}) {
    UsageRecord r = Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 1);
    r.series = key;
    Result<IngestStats> result = ledger.Ingest(std::vector{r});
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_NE(result.status().message().find("series key"), std::string::npos) << result.status();
  }
  EXPECT_EQ(ledger.size(), 0);
}

TEST(UsageLedger, ValidatesRecords) {
  UsageLedger ledger;
  struct Case {
    UsageRecord record;
    const char* needle;
  };
  for (const Case& c : std::initializer_list<Case>{
           {Rec("L1", "n1", "2026-10-01T01:00:00Z", "2026-10-01T01:00:00Z", 0), "empty"},
           {Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", -1), "negative"},
           {Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T00:00:01Z", 65), "exceeds"},
       }) {
    Result<IngestStats> r = ledger.Ingest(std::vector{c.record});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "records[0]");
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
  EXPECT_EQ(ledger.size(), 0);
}

TEST(UsageLedger, SumsByLeaseAndBucketAtRecordStart) {
  UsageLedger ledger;
  ASSERT_TRUE(ledger
                  .Ingest(std::vector{
                      Rec("L1", "n1", "2026-09-30T23:00:00Z", "2026-10-01T00:00:00Z", 1),
                      Rec("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 10),
                      // Starts in October, ends in November: counts in October.
                      Rec("L1", "n1", "2026-10-31T23:30:00Z", "2026-11-01T00:30:00Z", 100),
                      Rec("L2", "n2", "2026-11-15T00:00:00Z", "2026-11-15T01:00:00Z", 1000),
                      Rec("L2", "n2", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", 9999)})
                  .ok());
  for (bool aligned : {true, false}) {
    TimeBuckets buckets{{At("2026-10-01"), At("2026-11-01"), At("2026-12-01")}};
    if (!aligned) buckets.boundaries[1] = At("2026-11-01T00:00:01Z");
    std::vector<int64_t> sums = *ledger.SumByLeaseAndBucket(buckets);
    ASSERT_EQ(sums.size(), 4u);
    EXPECT_EQ(sums[0], 110);  // L1 October
    EXPECT_EQ(sums[1], 0);    // L1 November
    EXPECT_EQ(sums[2], 0);    // L2 October
    EXPECT_EQ(sums[3], 1000);
  }
  EXPECT_EQ(
      ledger.SumByLeaseAndBucket(TimeBuckets{{At("2026-10-01"), At("2026-10-01")}}).status().code(),
      StatusCode::kInvalidArgument);
}

TEST(UsageLedger, ParallelScanMatchesSerialScan) {
  UsageLedger ledger;
  std::vector<UsageRecord> batch;
  const Instant base = At("2026-01-01");
  for (int hour = 0; hour < 8760; ++hour) {
    for (int lease = 0; lease < 20; ++lease) {
      const Instant start = base + Duration::Hours(hour);
      batch.push_back(UsageRecord{*LeaseId::Parse("L" + std::to_string(lease)),
                                  *NodeId::Parse("n" + std::to_string(lease)), start,
                                  start + Duration::Hours(1), (hour * 7 + lease) % 28801, 0});
    }
  }
  ASSERT_EQ(ledger.Ingest(batch)->added, 175200);
  TimeBuckets buckets;
  for (int month = 1; month <= 12; ++month) {
    buckets.boundaries.push_back(*Instant::FromCivil(2026, month, 1));
  }
  buckets.boundaries.push_back(At("2027-01-01"));
  std::vector<int64_t> serial = *ledger.SumByLeaseAndBucket(buckets, 1);
  std::vector<int64_t> parallel = *ledger.SumByLeaseAndBucket(buckets, 2);
  EXPECT_EQ(serial, parallel);
  int64_t total = 0;
  for (int64_t v : serial) total += v;
  int64_t want = 0;
  for (const UsageRecord& r : batch) want += r.gpu_seconds;
  EXPECT_EQ(total, want);
}

}  // namespace
}  // namespace straits::billing

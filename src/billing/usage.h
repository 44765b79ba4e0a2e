// Usage records and the usage ledger.
//
// A usage record says that during `interval` the lease held `gpu_seconds`
// GPU-seconds on `node` (8 GPUs for one hour = 28,800). The execution backend
// produces them (the simulated backend through MeterAllocations in meter.h, Slurm
// through its accounting) and `straits import usage` reads them from CSV.
//
// A record belongs to a series: its lease, its node and its series key. The
// key is empty for usage that stands for the whole of the lease's GPUs on the
// node (the simulated meter, CSV imports without a `series` column); Slurm's
// usage is keyed by job and step ("sg1:1000003:alloc"), because two jobs of
// one lease may run on one node at the same time, and each job's GPU time is
// counted once, in its own series.
//
// The ledger stores records column-wise so that rating and attribution scan
// only the columns they need (lease, start, GPU-seconds: 16 bytes a record).
// Ingest is idempotent and all-or-nothing:
//   * a record equal to one already held (same series, interval and
//     GPU-seconds) is a duplicate and is skipped, so re-importing a file or
//     polling a job twice changes nothing;
//   * a record that overlaps a held record of the same series without being
//     equal to it would count the same GPU time twice, and fails the whole
//     batch (invalid_argument naming the record); records of different
//     series (two jobs) may overlap;
//   * a batch that fails leaves the ledger exactly as it was.
// A record belongs to the billing period that contains its start instant.
//
//   UsageLedger ledger;
//   STRAITS_ASSIGN_OR_RETURN(std::vector<UsageRecord> records,
//                            ParseUsageCsv(text, "usage.csv"));
//   STRAITS_ASSIGN_OR_RETURN(IngestStats stats, ledger.Ingest(records, "usage.csv"));
//
// Thread-safety: const methods may run concurrently; Ingest needs exclusive
// access.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "billing/entities.h"
#include "core/status.h"

namespace straits::billing {

struct UsageRecord {
  LeaseId lease;
  NodeId node;
  Instant start;
  Instant end;  // exclusive; end > start
  int64_t gpu_seconds = 0;
  int line = 0;  // 1-based line in the source file, 0 if not from a file
  // The series key: empty for whole-node usage, else the job and step that
  // used the GPUs. At most kMaxSeriesKeyLength bytes, no control characters.
  std::string series = {};
};

inline constexpr size_t kMaxSeriesKeyLength = 128;

// The most GPUs a single node can hold; bounds gpu_seconds per record.
inline constexpr int64_t kMaxGpusPerNode = 64;

struct IngestStats {
  int64_t added = 0;
  int64_t duplicates = 0;
};

// Parses CSV text with the header `lease,node,start,end,gpu_seconds` and an
// optional `series` column (extra columns are ignored; order is free). Times are ISO 8601 UTC.
// Errors are invalid_argument with field `source:line:col` and the column's name.
Result<std::vector<UsageRecord>> ParseUsageCsv(std::string_view text, std::string_view source);

// Time buckets for scans: bucket i is [boundaries[i], boundaries[i+1]).
// Boundaries are strictly increasing; at least two.
struct TimeBuckets {
  std::vector<Instant> boundaries;
  int size() const { return static_cast<int>(boundaries.size()) - 1; }
};

class UsageLedger {
 public:
  UsageLedger() = default;
  UsageLedger(const UsageLedger&) = delete;
  UsageLedger& operator=(const UsageLedger&) = delete;
  UsageLedger(UsageLedger&&) = default;
  UsageLedger& operator=(UsageLedger&&) = default;

  // Adds `records` as one all-or-nothing batch (see the file comment).
  // Errors: invalid_argument for an empty or negative interval, negative
  // GPU-seconds, more GPU-seconds than kMaxGpusPerNode GPUs could use in the
  // interval, a series key that is too long or holds control characters, or an
  // overlap; the field is `source:line` when the record has a
  // line, else `records[i]`. resource_exhausted beyond 2^32-1 records.
  Result<IngestStats> Ingest(std::span<const UsageRecord> records, std::string_view source = "");

  // Reserves room for `records` more records (avoids regrowth in bulk loads).
  void Reserve(size_t records);

  int64_t size() const { return static_cast<int64_t>(start_.size()); }

  // Leases seen so far, in order of first appearance; the index of a lease in
  // this list is the lease index used by SumByLeaseAndBucket.
  const std::vector<LeaseId>& leases() const { return leases_; }
  // Index of `lease` in leases(), or -1.
  int LeaseIndex(const LeaseId& lease) const;

  // GPU-seconds per (lease index, bucket): result[lease_idx * buckets.size() +
  // bucket_idx]. A record counts in the bucket containing its start; records
  // starting outside [first, last boundary) are left out. `threads` >= 1 splits
  // the scan. invalid_argument if the boundaries are not strictly increasing.
  Result<std::vector<int64_t>> SumByLeaseAndBucket(const TimeBuckets& buckets,
                                                   int threads = 1) const;

  // The record at `index` (0 <= index < size()), line 0, with its series key.
  UsageRecord Get(int64_t index) const;

 private:
  // Open-addressing map from a (lease, node, series key) triple of indices to
  // a series index: one probe per record on the ingest hot path instead of a
  // node-based hash map.
  class SeriesTable {
   public:
    // The value for the key, inserting `next` if absent (then `inserted` is
    // true). `lease_node` is lease << 32 | node; `key` the series key's index.
    uint32_t FindOrInsert(uint64_t lease_node, uint32_t key, uint32_t next, bool& inserted);
    void Clear();

   private:
    void Grow();
    std::vector<uint64_t> lease_nodes_;  // kEmpty marks a free slot
    std::vector<uint32_t> keys_;
    std::vector<uint32_t> values_;
    size_t size_ = 0;
  };

  uint32_t InternLease(const LeaseId& lease, std::vector<std::string>& added);
  uint32_t InternNode(const NodeId& node, std::vector<std::string>& added);
  uint32_t InternKey(const std::string& key, std::vector<std::string>& added);
  void ForgetNames(const std::vector<std::string>& added_leases,
                   const std::vector<std::string>& added_nodes,
                   const std::vector<std::string>& added_keys);
  // For every series s with a non-empty window[s] = [from, to), the held
  // records that overlap it, sorted by start, as one flat array: series s owns
  // [offsets[s], offsets[s + 1]) of records. Built by two passes over the
  // records, only for batches that arrive out of order or repeat records, so
  // the in-order path keeps no index and a re-imported day indexes only its
  // own stretch of time.
  struct SeriesIndex {
    std::vector<uint64_t> offsets;
    std::vector<uint32_t> records;
  };
  SeriesIndex BuildSeriesIndex(const std::vector<std::pair<int64_t, int64_t>>& window) const;

  // Hot columns (scanned by SumByLeaseAndBucket).
  std::vector<uint32_t> lease_;
  std::vector<int64_t> start_;
  std::vector<uint32_t> gpu_seconds_;
  // Cold columns.
  std::vector<uint32_t> series_;  // the record's (lease, node, key) series
  std::vector<uint32_t> length_;  // end - start, seconds

  std::vector<LeaseId> leases_;
  std::unordered_map<std::string, uint32_t> lease_index_;
  std::vector<NodeId> nodes_;
  std::unordered_map<std::string, uint32_t> node_index_;
  // Series keys; index 0 is the empty key of whole-node usage.
  std::vector<std::string> keys_ = {std::string()};
  std::unordered_map<std::string, uint32_t> key_index_ = {{std::string(), 0}};

  // Per series: its lease, node and key, and the end of its latest record (all
  // the in-order fast path needs).
  SeriesTable series_index_;
  std::vector<uint32_t> series_lease_;
  std::vector<uint32_t> series_node_;
  std::vector<uint32_t> series_key_;
  std::vector<int64_t> series_last_end_;
  std::vector<uint32_t> series_next_;  // the series that followed it last time, or ~0
};

}  // namespace straits::billing

#include "billing/usage.h"

#include <algorithm>
#include <limits>
#include <thread>

#include "billing/csv_fields.h"
#include "billing/decimal.h"
#include "core/csv.h"

namespace straits::billing {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

std::string RecordWhere(const UsageRecord& record, size_t index, std::string_view source) {
  if (record.line > 0 && !source.empty()) {
    return std::string(source) + ":" + std::to_string(record.line);
  }
  return "records[" + std::to_string(index) + "]";
}

uint64_t LeaseNodeKey(uint32_t lease, uint32_t node) {
  return (static_cast<uint64_t>(lease) << 32) | node;
}

// " (series K)" for a keyed series, "" for whole-node usage.
std::string SeriesSuffix(const std::string& key) {
  return key.empty() ? std::string() : " (series " + key + ")";
}

}  // namespace

Result<std::vector<UsageRecord>> ParseUsageCsv(std::string_view text, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(
      ColumnMap cols,
      ColumnMap::Make(table, {"lease", "node", "start", "end", "gpu_seconds"}, source));
  std::vector<UsageRecord> records;
  records.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    FieldReader in(row, cols, source);
    UsageRecord record;
    STRAITS_ASSIGN_OR_RETURN(record.lease, in.Parse<LeaseId>("lease"));
    STRAITS_ASSIGN_OR_RETURN(record.node, in.Parse<NodeId>("node"));
    STRAITS_ASSIGN_OR_RETURN(record.start, in.Time("start"));
    STRAITS_ASSIGN_OR_RETURN(record.end, in.Time("end"));
    STRAITS_ASSIGN_OR_RETURN(record.gpu_seconds, in.Integer("gpu_seconds"));
    if (in.Has("series")) record.series = std::string(in.Text("series"));
    if (record.end <= record.start) {
      return in.Error("end", "end " + record.end.ToString() + " must be after start " +
                                 record.start.ToString());
    }
    record.line = row.line;
    records.push_back(std::move(record));
  }
  return records;
}

namespace {
constexpr uint64_t kEmptyKey = ~uint64_t{0};
constexpr uint32_t kNoSeries = ~uint32_t{0};
}  // namespace

uint32_t UsageLedger::SeriesTable::FindOrInsert(uint64_t lease_node, uint32_t key, uint32_t next,
                                                bool& inserted) {
  if ((size_ + 1) * 2 > lease_nodes_.size()) Grow();
  const size_t mask = lease_nodes_.size() - 1;
  // Fibonacci hashing spreads the (lease << 32 | node) keys over the table;
  // the series key (0 for whole-node usage) is mixed in first.
  const uint64_t mixed = lease_node ^ (uint64_t{key} * 0xC2B2AE3D27D4EB4FULL);
  size_t slot = static_cast<size_t>((mixed * 0x9E3779B97F4A7C15ULL) >> 20) & mask;
  while (true) {
    if (lease_nodes_[slot] == lease_node && keys_[slot] == key) {
      inserted = false;
      return values_[slot];
    }
    if (lease_nodes_[slot] == kEmptyKey) {
      lease_nodes_[slot] = lease_node;
      keys_[slot] = key;
      values_[slot] = next;
      ++size_;
      inserted = true;
      return next;
    }
    slot = (slot + 1) & mask;
  }
}

void UsageLedger::SeriesTable::Grow() {
  std::vector<uint64_t> old_lease_nodes = std::move(lease_nodes_);
  std::vector<uint32_t> old_keys = std::move(keys_);
  std::vector<uint32_t> old_values = std::move(values_);
  const size_t capacity = std::max<size_t>(1024, old_lease_nodes.size() * 2);
  lease_nodes_.assign(capacity, kEmptyKey);
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0);
  size_ = 0;
  bool inserted = false;
  for (size_t i = 0; i < old_lease_nodes.size(); ++i) {
    if (old_lease_nodes[i] != kEmptyKey) {
      FindOrInsert(old_lease_nodes[i], old_keys[i], old_values[i], inserted);
    }
  }
}

void UsageLedger::SeriesTable::Clear() {
  lease_nodes_.clear();
  keys_.clear();
  values_.clear();
  size_ = 0;
}

void UsageLedger::Reserve(size_t records) {
  const size_t total = start_.size() + records;
  lease_.reserve(total);
  start_.reserve(total);
  gpu_seconds_.reserve(total);
  series_.reserve(total);
  length_.reserve(total);
}

int UsageLedger::LeaseIndex(const LeaseId& lease) const {
  auto it = lease_index_.find(lease.str());
  return it == lease_index_.end() ? -1 : static_cast<int>(it->second);
}

uint32_t UsageLedger::InternLease(const LeaseId& lease, std::vector<std::string>& added) {
  auto [it, inserted] =
      lease_index_.try_emplace(lease.str(), static_cast<uint32_t>(leases_.size()));
  if (inserted) {
    leases_.push_back(lease);
    added.push_back(lease.str());
  }
  return it->second;
}

uint32_t UsageLedger::InternNode(const NodeId& node, std::vector<std::string>& added) {
  auto [it, inserted] = node_index_.try_emplace(node.str(), static_cast<uint32_t>(nodes_.size()));
  if (inserted) {
    nodes_.push_back(node);
    added.push_back(node.str());
  }
  return it->second;
}

uint32_t UsageLedger::InternKey(const std::string& key, std::vector<std::string>& added) {
  auto [it, inserted] = key_index_.try_emplace(key, static_cast<uint32_t>(keys_.size()));
  if (inserted) {
    keys_.push_back(key);
    added.push_back(key);
  }
  return it->second;
}

void UsageLedger::ForgetNames(const std::vector<std::string>& added_leases,
                              const std::vector<std::string>& added_nodes,
                              const std::vector<std::string>& added_keys) {
  for (const std::string& name : added_leases) lease_index_.erase(name);
  leases_.resize(leases_.size() - added_leases.size());
  for (const std::string& name : added_nodes) node_index_.erase(name);
  nodes_.resize(nodes_.size() - added_nodes.size());
  for (const std::string& key : added_keys) key_index_.erase(key);
  keys_.resize(keys_.size() - added_keys.size());
}

UsageLedger::SeriesIndex UsageLedger::BuildSeriesIndex(
    const std::vector<std::pair<int64_t, int64_t>>& window) const {
  SeriesIndex index;
  index.offsets.assign(window.size() + 1, 0);
  auto relevant = [&](size_t i) {
    const auto& [from, to] = window[series_[i]];
    return start_[i] < to && from < start_[i] + static_cast<int64_t>(length_[i]);
  };
  for (size_t i = 0; i < series_.size(); ++i) {
    if (relevant(i)) ++index.offsets[series_[i] + 1];
  }
  for (size_t s = 1; s < index.offsets.size(); ++s) index.offsets[s] += index.offsets[s - 1];
  index.records.resize(index.offsets.back());
  std::vector<uint64_t> fill(index.offsets.begin(), index.offsets.end() - 1);
  for (size_t i = 0; i < series_.size(); ++i) {
    if (relevant(i)) index.records[fill[series_[i]]++] = static_cast<uint32_t>(i);
  }
  const auto by_start = [&](uint32_t x, uint32_t y) { return start_[x] < start_[y]; };
  for (size_t s = 0; s < window.size(); ++s) {
    auto first = index.records.begin() + static_cast<std::ptrdiff_t>(index.offsets[s]);
    auto last = index.records.begin() + static_cast<std::ptrdiff_t>(index.offsets[s + 1]);
    // Usually already in order: a series grows forward in time.
    if (!std::is_sorted(first, last, by_start)) std::sort(first, last, by_start);
  }
  return index;
}

Result<IngestStats> UsageLedger::Ingest(std::span<const UsageRecord> records,
                                        std::string_view source) {
  struct Staged {
    uint32_t series;
    uint32_t lease;
    uint32_t length;
    uint32_t gpu_seconds;
    int64_t start;
    size_t input;
    bool duplicate;
  };
  std::vector<std::string> added_leases, added_nodes, added_keys;
  const size_t series_before = series_lease_.size();
  // Undoes the name and series interning of a failed batch, so that a failed
  // import leaves no trace.
  auto fail = [&](Status status) -> Result<IngestStats> {
    if (series_lease_.size() != series_before) {
      series_lease_.resize(series_before);
      series_node_.resize(series_before);
      series_key_.resize(series_before);
      series_last_end_.resize(series_before);
      series_next_.resize(series_before);
      for (uint32_t& next : series_next_) {
        if (next != kNoSeries && next >= series_before) next = kNoSeries;
      }
      series_index_.Clear();
      bool inserted = false;
      for (size_t s = 0; s < series_before; ++s) {
        series_index_.FindOrInsert(LeaseNodeKey(series_lease_[s], series_node_[s]), series_key_[s],
                                   static_cast<uint32_t>(s), inserted);
      }
    }
    ForgetNames(added_leases, added_nodes, added_keys);
    return status;
  };

  if (start_.size() + records.size() > std::numeric_limits<uint32_t>::max()) {
    return ResourceExhausted("a usage ledger holds at most 2^32-1 records; " +
                             std::to_string(start_.size()) + " are held");
  }
  std::vector<Staged> staged;
  staged.reserve(records.size());
  const LeaseId* last_lease = nullptr;
  uint32_t last_lease_idx = 0;
  const NodeId* last_node = nullptr;
  uint32_t last_node_idx = 0;
  const std::string* last_key = nullptr;
  uint32_t last_key_idx = 0;
  uint32_t prev_series = kNoSeries;
  for (size_t input = 0; input < records.size(); ++input) {
    const UsageRecord& r = records[input];
    auto invalid = [&](const std::string& why) {
      return fail(InvalidArgument(why, RecordWhere(r, input, source)));
    };
    if (r.lease.empty()) return invalid("lease is missing");
    if (r.node.empty()) return invalid("node is missing");
    const int64_t length = (r.end - r.start).seconds();
    if (length <= 0) {
      return invalid("interval " + r.start.ToString() + " .. " + r.end.ToString() +
                     " is empty or reversed: end must be after start");
    }
    if (length > std::numeric_limits<uint32_t>::max()) {
      return invalid("interval longer than " +
                     std::to_string(std::numeric_limits<uint32_t>::max()) +
                     " s: split it into shorter records");
    }
    if (r.gpu_seconds < 0) {
      return invalid("gpu_seconds " + std::to_string(r.gpu_seconds) + " is negative");
    }
    if (r.gpu_seconds > length * kMaxGpusPerNode ||
        r.gpu_seconds > std::numeric_limits<uint32_t>::max()) {
      return invalid("gpu_seconds " + std::to_string(r.gpu_seconds) + " exceeds what " +
                     std::to_string(kMaxGpusPerNode) + " GPUs can use in " +
                     std::to_string(length) + " s (or 2^32-1)");
    }
    if (r.series.size() > kMaxSeriesKeyLength) {
      return invalid("series key is " + std::to_string(r.series.size()) + " bytes; at most " +
                     std::to_string(kMaxSeriesKeyLength) + " are accepted");
    }
    if (std::any_of(r.series.begin(), r.series.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return invalid("series key \"" + r.series + "\" holds a control character");
    }
    // Metering repeats the same (lease, node) sequence every hour, so the
    // series that followed the previous record's series last time is tried
    // first: three short string comparisons instead of four hash lookups.
    uint32_t series = kNoSeries;
    if (prev_series != kNoSeries) {
      const uint32_t guess = series_next_[prev_series];
      if (guess != kNoSeries && leases_[series_lease_[guess]] == r.lease &&
          nodes_[series_node_[guess]] == r.node &&
          (series_key_[guess] == 0 ? r.series.empty() : keys_[series_key_[guess]] == r.series)) {
        series = guess;
      }
    }
    if (series == kNoSeries) {
      if (last_lease == nullptr || !(*last_lease == r.lease)) {
        last_lease_idx = InternLease(r.lease, added_leases);
        last_lease = &r.lease;
      }
      if (last_node == nullptr || !(*last_node == r.node)) {
        last_node_idx = InternNode(r.node, added_nodes);
        last_node = &r.node;
      }
      if (r.series.empty()) {
        last_key_idx = 0;
        last_key = nullptr;
      } else if (last_key == nullptr || *last_key != r.series) {
        last_key_idx = InternKey(r.series, added_keys);
        last_key = &r.series;
      }
      bool inserted = false;
      series = series_index_.FindOrInsert(LeaseNodeKey(last_lease_idx, last_node_idx), last_key_idx,
                                          static_cast<uint32_t>(series_lease_.size()), inserted);
      if (inserted) {
        series_lease_.push_back(last_lease_idx);
        series_node_.push_back(last_node_idx);
        series_key_.push_back(last_key_idx);
        series_last_end_.push_back(std::numeric_limits<int64_t>::min());
        series_next_.push_back(kNoSeries);
      }
      if (prev_series != kNoSeries) series_next_[prev_series] = series;
    }
    prev_series = series;
    staged.push_back(Staged{series, series_lease_[series], static_cast<uint32_t>(length),
                            static_cast<uint32_t>(r.gpu_seconds), r.start.unix_seconds(), input,
                            false});
  }

  // Fast path: every record starts at or after the end of the previous record
  // of its series (the backend meters forward in time), so nothing can overlap
  // or repeat.
  std::vector<int64_t> pending_end = series_last_end_;
  bool in_order = true;
  for (const Staged& s : staged) {
    if (s.start < pending_end[s.series]) {
      in_order = false;
      break;
    }
    pending_end[s.series] = s.start + s.length;
  }

  auto end_of = [&](uint32_t record) {
    return start_[record] + static_cast<int64_t>(length_[record]);
  };
  if (!in_order) {
    // Empty windows ([max, min)) match no record.
    std::vector<std::pair<int64_t, int64_t>> window(
        series_lease_.size(),
        {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
    for (const Staged& s : staged) {
      auto& [from, to] = window[s.series];
      from = std::min(from, s.start);
      to = std::max(to, s.start + static_cast<int64_t>(s.length));
    }
    const SeriesIndex index = BuildSeriesIndex(window);
    std::vector<uint32_t> order(staged.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const Staged& x = staged[a];
      const Staged& y = staged[b];
      if (x.series != y.series) return x.series < y.series;
      if (x.start != y.start) return x.start < y.start;
      return a < b;
    });
    auto overlap = [&](const Staged& s, int64_t other_start, int64_t other_end) {
      const UsageRecord& r = records[s.input];
      return fail(InvalidArgument("usage of lease " + r.lease.str() + " on node " + r.node.str() +
                                      SeriesSuffix(r.series) + " for [" + r.start.ToString() +
                                      ", " + r.end.ToString() +
                                      ") overlaps a different record for [" +
                                      Instant::FromUnixSeconds(other_start).ToString() + ", " +
                                      Instant::FromUnixSeconds(other_end).ToString() +
                                      "); a record may only be re-imported unchanged",
                                  RecordWhere(r, s.input, source)));
    };
    const Staged* prev = nullptr;
    for (uint32_t idx : order) {
      Staged& s = staged[idx];
      const int64_t end = s.start + s.length;
      if (prev != nullptr && prev->series == s.series && s.start < prev->start + prev->length) {
        if (prev->start == s.start && prev->length == s.length &&
            prev->gpu_seconds == s.gpu_seconds) {
          s.duplicate = true;
          continue;
        }
        return overlap(s, prev->start, prev->start + prev->length);
      }
      const auto held_begin =
          index.records.begin() + static_cast<std::ptrdiff_t>(index.offsets[s.series]);
      const auto held_end =
          index.records.begin() + static_cast<std::ptrdiff_t>(index.offsets[s.series + 1]);
      // First held record starting at or after s.start; the one before it may
      // still reach into s.
      auto it = std::lower_bound(held_begin, held_end, s.start,
                                 [&](uint32_t rec, int64_t t) { return start_[rec] < t; });
      if (it != held_end && start_[*it] == s.start && length_[*it] == s.length &&
          gpu_seconds_[*it] == s.gpu_seconds) {
        s.duplicate = true;
        continue;
      }
      if (it != held_end && start_[*it] < end) return overlap(s, start_[*it], end_of(*it));
      if (it != held_begin && end_of(*(it - 1)) > s.start) {
        return overlap(s, start_[*(it - 1)], end_of(*(it - 1)));
      }
      prev = &s;
    }
  }

  // Apply: nothing below can fail. The columns grow once per batch and are
  // filled by index: five push_backs per record cost a fifth of the ingest.
  IngestStats stats;
  for (const Staged& s : staged) stats.duplicates += s.duplicate ? 1 : 0;
  stats.added = static_cast<int64_t>(staged.size()) - stats.duplicates;
  const size_t first = start_.size();
  const size_t total = first + static_cast<size_t>(stats.added);
  lease_.resize(total);
  start_.resize(total);
  gpu_seconds_.resize(total);
  series_.resize(total);
  length_.resize(total);
  size_t at = first;
  for (const Staged& s : staged) {
    if (s.duplicate) continue;
    lease_[at] = s.lease;
    start_[at] = s.start;
    gpu_seconds_[at] = s.gpu_seconds;
    series_[at] = s.series;
    length_[at] = s.length;
    ++at;
    int64_t& last_end = series_last_end_[s.series];
    last_end = std::max(last_end, s.start + static_cast<int64_t>(s.length));
  }
  return stats;
}

UsageRecord UsageLedger::Get(int64_t index) const {
  const auto i = static_cast<size_t>(index);
  UsageRecord r;
  r.lease = leases_[lease_[i]];
  r.node = nodes_[series_node_[series_[i]]];
  r.start = Instant::FromUnixSeconds(start_[i]);
  r.end = Instant::FromUnixSeconds(start_[i] + static_cast<int64_t>(length_[i]));
  r.gpu_seconds = gpu_seconds_[i];
  r.series = keys_[series_key_[series_[i]]];
  return r;
}

Result<std::vector<int64_t>> UsageLedger::SumByLeaseAndBucket(const TimeBuckets& buckets,
                                                              int threads) const {
  const std::vector<Instant>& bounds = buckets.boundaries;
  if (bounds.size() < 2) return InvalidArgument("need at least two bucket boundaries");
  for (size_t i = 1; i < bounds.size(); ++i) {
    if (!(bounds[i - 1] < bounds[i])) {
      return InvalidArgument("bucket boundaries must be strictly increasing",
                             "boundaries[" + std::to_string(i) + "]");
    }
  }
  const auto bucket_count = static_cast<size_t>(buckets.size());
  const size_t lease_count = leases_.size();
  const int64_t lo = bounds.front().unix_seconds();
  const int64_t hi = bounds.back().unix_seconds();

  // Month and rate boundaries fall on midnights, so a day -> bucket table
  // replaces a binary search per record.
  bool day_aligned = (hi - lo) / kSecondsPerDay <= 1'000'000;
  for (const Instant& b : bounds)
    day_aligned = day_aligned && b.unix_seconds() % kSecondsPerDay == 0;
  // The entry past the last day is a sink row for records outside the range,
  // so the hot loop has no branch.
  const size_t days = static_cast<size_t>((hi - lo) / kSecondsPerDay);
  std::vector<uint32_t> day_bucket;
  if (day_aligned) {
    day_bucket.resize(days + 1, static_cast<uint32_t>(bucket_count));
    size_t bucket = 0;
    for (size_t day = 0; day < days; ++day) {
      const int64_t t = lo + static_cast<int64_t>(day) * kSecondsPerDay;
      while (bounds[bucket + 1].unix_seconds() <= t) ++bucket;
      day_bucket[day] = static_cast<uint32_t>(bucket);
    }
  }

  // Sums are accumulated bucket-major: records arrive in time order, so one
  // bucket's row (8 bytes per lease) stays in cache while it fills.
  auto scan = [&](size_t begin, size_t end, std::vector<int64_t>& sums) {
    const uint32_t* lease = lease_.data();
    const int64_t* start = start_.data();
    const uint32_t* gpu_seconds = gpu_seconds_.data();
    if (day_aligned) {
      const uint32_t* table = day_bucket.data();
      int64_t* out = sums.data();
      for (size_t i = begin; i < end; ++i) {
        // Before `lo` wraps to a huge day: both ends land in the sink row.
        const uint64_t day = static_cast<uint64_t>(start[i] - lo) / kSecondsPerDay;
        const size_t bucket = table[std::min<uint64_t>(day, days)];
        out[bucket * lease_count + lease[i]] += gpu_seconds[i];
      }
      return;
    }
    for (size_t i = begin; i < end; ++i) {
      const Instant t = Instant::FromUnixSeconds(start[i]);
      if (t.unix_seconds() < lo || t.unix_seconds() >= hi) continue;
      const auto bucket = static_cast<size_t>(std::upper_bound(bounds.begin(), bounds.end(), t) -
                                              bounds.begin() - 1);
      sums[bucket * lease_count + lease[i]] += gpu_seconds[i];
    }
  };

  const size_t n = start_.size();
  const size_t workers = std::clamp<size_t>(static_cast<size_t>(std::max(threads, 1)), 1,
                                            std::max<size_t>(1, n / 65536));
  // One extra (sink) row per partial for records outside the range.
  std::vector<std::vector<int64_t>> partial(
      workers, std::vector<int64_t>(lease_count * (bucket_count + 1), 0));
  if (workers == 1) {
    scan(0, n, partial[0]);
  } else {
    // The calling thread scans the first share itself.
    std::vector<std::thread> pool;
    for (size_t w = 1; w < workers; ++w) {
      pool.emplace_back([&, w] { scan(n * w / workers, n * (w + 1) / workers, partial[w]); });
    }
    scan(0, n / workers, partial[0]);
    for (std::thread& t : pool) t.join();
    for (size_t w = 1; w < workers; ++w) {
      for (size_t i = 0; i < partial[0].size(); ++i) partial[0][i] += partial[w][i];
    }
  }
  std::vector<int64_t> by_lease(lease_count * bucket_count);
  for (size_t bucket = 0; bucket < bucket_count; ++bucket) {
    for (size_t lease_idx = 0; lease_idx < lease_count; ++lease_idx) {
      by_lease[lease_idx * bucket_count + bucket] = partial[0][bucket * lease_count + lease_idx];
    }
  }
  return by_lease;
}

}  // namespace straits::billing

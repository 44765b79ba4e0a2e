#include "placement/batch.h"

#include <algorithm>
#include <numeric>

namespace straits::placement {
namespace {

using Order = BatchOptions::Order;

double GpuHours(const CompiledRequest& r) {
  return static_cast<double>(r.gpus) * static_cast<double>(r.duration) / 3600.0;
}

std::vector<size_t> Sequence(std::span<const CompiledRequest> requests, Order order) {
  std::vector<size_t> seq(requests.size());
  std::iota(seq.begin(), seq.end(), 0);
  auto by_deadline = [&](size_t a, size_t b) {
    if (requests[a].latest_start != requests[b].latest_start) {
      return requests[a].latest_start < requests[b].latest_start;
    }
    return GpuHours(requests[a]) > GpuHours(requests[b]);
  };
  auto by_size = [&](size_t a, size_t b) {
    if (GpuHours(requests[a]) != GpuHours(requests[b])) {
      return GpuHours(requests[a]) > GpuHours(requests[b]);
    }
    return requests[a].latest_start < requests[b].latest_start;
  };
  if (order == Order::kDeadline) std::stable_sort(seq.begin(), seq.end(), by_deadline);
  if (order == Order::kLargestFirst) std::stable_sort(seq.begin(), seq.end(), by_size);
  return seq;
}

// Places requests in `order` into `calendar`.
Result<BatchResult> Run(Engine& engine, std::span<const CompiledRequest> requests,
                        Calendar& calendar, Order order, const BatchOptions& options) {
  BatchResult result;
  result.order = order;
  result.decisions.resize(requests.size());
  for (size_t i : Sequence(requests, order)) {
    Decision d = engine.Decide(requests[i], calendar, options.decide);
    if (d.placed()) {
      Status s = engine.Reserve(options.first_id + i, *d.placement, calendar);
      if (!s.ok()) return Internal("batch reservation failed: " + s.ToString());
      ++result.placed;
      result.placed_gpu_hours += GpuHours(requests[i]);
    }
    result.decisions[i] = std::move(d);
  }
  return result;
}

}  // namespace

std::string_view BatchOrderName(BatchOptions::Order order) {
  switch (order) {
    case Order::kArrival:
      return "arrival";
    case Order::kDeadline:
      return "deadline";
    case Order::kLargestFirst:
      return "largest-first";
    case Order::kBest:
      return "best";
  }
  return "arrival";
}

Result<BatchResult> PlaceBatch(Engine& engine, std::span<const Request> requests,
                               Calendar& calendar, const BatchOptions& options) {
  std::vector<CompiledRequest> compiled;
  compiled.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    Result<CompiledRequest> c = CompileRequest(requests[i], engine.topology());
    if (!c.ok()) return c.status().WithFieldPrefix("requests[" + std::to_string(i) + "]");
    compiled.push_back(std::move(c).value());
  }
  if (options.order != Order::kBest) return Run(engine, compiled, calendar, options.order, options);
  Order best = Order::kArrival;
  double best_hours = -1;
  int64_t best_placed = -1;
  for (Order order : {Order::kArrival, Order::kDeadline, Order::kLargestFirst}) {
    Calendar trial = calendar;
    STRAITS_ASSIGN_OR_RETURN(BatchResult r, Run(engine, compiled, trial, order, options));
    if (r.placed_gpu_hours > best_hours ||
        (r.placed_gpu_hours == best_hours && r.placed > best_placed)) {
      best = order;
      best_hours = r.placed_gpu_hours;
      best_placed = r.placed;
    }
  }
  return Run(engine, compiled, calendar, best, options);
}

}  // namespace straits::placement

#include "placement/lp_bound.h"

#include <algorithm>
#include <coin/ClpSimplex.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <cstdint>
#include <map>
#include <vector>

namespace straits::placement {
namespace {

struct Job {
  int64_t gpus = 0;
  Seconds duration = 0;
  Seconds earliest = 0;
  Seconds latest = 0;
  std::vector<int32_t> pools;  // merged pool classes it may use
};

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Least overlap of [s, s + d) with [u0, u1) over s in [a, b]: the overlap is
// piecewise linear and unimodal in s, so the least value is at an end.
Seconds LeastOverlap(Seconds a, Seconds b, Seconds d, Seconds u0, Seconds u1) {
  auto overlap = [&](Seconds s) {
    return std::max<Seconds>(0, std::min(s + d, u1) - std::max(s, u0));
  };
  return std::min(overlap(a), overlap(b));
}

// Largest group of `scope` holding `model` at `site`.
int64_t LargestGroup(const Topology& topo, SiteIndex site, ModelIndex model, Scope scope) {
  int64_t largest = 0;
  for (CellIndex c : topo.SiteModelCells(site, model)) {
    const CellInfo& cell = topo.cell(c);
    largest = std::max(largest, scope == Scope::kNode  ? static_cast<int64_t>(cell.max_node_gpus)
                                : scope == Scope::kPod ? cell.gpus
                                                       : topo.SiteModelGpus(site, model));
  }
  return largest;
}

// Upper bound from Lagrangian relaxation of the capacity rows (see the header):
// for prices y[p, u] >= 0 on every pool and slot,
//   L(y) = sum of C_p * y[p, u]  +  sum over jobs of max(0, best column's w_j - cost)
// bounds the LP from above by weak duality, whatever y is; subgradient steps
// lower it. Columns are never stored: a column's cost is a prefix-sum lookup
// plus its (at most four) partly covered slots.
double LagrangianBound(const std::vector<Job>& jobs, const std::vector<int64_t>& class_capacity,
                       Seconds slot, int64_t first_slot, int64_t num_slots, int iterations,
                       int64_t* columns_out);

}  // namespace

Result<LpBound> UpperBoundGpuHours(const Topology& topology, std::span<const Request> requests,
                                   const LpBoundOptions& options) {
  LpBound out;
  // Raw pools: (site, model) with GPUs. Each request: the raw pools it may use.
  std::vector<std::pair<SiteIndex, ModelIndex>> raw_pools;
  for (SiteIndex s = 0; s < topology.num_sites(); ++s) {
    for (ModelIndex m = 0; m < topology.num_models(); ++m) {
      if (topology.SiteModelGpus(s, m) > 0) raw_pools.emplace_back(s, m);
    }
  }
  std::vector<Job> jobs;
  std::vector<std::vector<int32_t>> pool_users(raw_pools.size());  // raw pool -> jobs
  for (const Request& r : requests) {
    Result<CompiledRequest> c = CompileRequest(r, topology);
    if (!c.ok()) {
      ++out.unplaceable;
      continue;
    }
    const double gpu_hours = static_cast<double>(c->gpus) * static_cast<double>(c->duration) / 3600;
    Job job{.gpus = c->gpus,
            .duration = c->duration,
            .earliest = c->earliest_start,
            .latest = c->latest_start,
            .pools = {}};
    std::vector<int32_t> usable;
    for (size_t p = 0; p < raw_pools.size(); ++p) {
      const auto [site, model] = raw_pools[p];
      if (std::find(c->models.begin(), c->models.end(), model) == c->models.end()) continue;
      if (c->only_listed_sites && c->site_rank[static_cast<size_t>(site)] < 0) continue;
      if (c->max_price_minor) {
        const std::optional<Money>& price = topology.Price(site, model);
        if (!price || price->minor_units() > *c->max_price_minor) continue;
      }
      if (LargestGroup(topology, site, model, c->scope) < c->gpus) continue;
      usable.push_back(static_cast<int32_t>(p));
    }
    if (usable.empty()) {
      ++out.unplaceable;
      continue;
    }
    out.requested_gpu_hours += gpu_hours;
    if (c->latest_start >= kFarFuture) {
      out.unbounded_gpu_hours += gpu_hours;
      continue;
    }
    for (int32_t p : usable)
      pool_users[static_cast<size_t>(p)].push_back(static_cast<int32_t>(jobs.size()));
    jobs.push_back(std::move(job));
  }

  // Merge raw pools that exactly the same requests may use: for the relaxation
  // they are one pool with the summed capacity.
  std::map<std::vector<int32_t>, int32_t> class_of_users;
  std::vector<int64_t> class_capacity;
  for (size_t p = 0; p < raw_pools.size(); ++p) {
    if (pool_users[p].empty()) continue;
    auto [it, inserted] =
        class_of_users.emplace(pool_users[p], static_cast<int32_t>(class_capacity.size()));
    if (inserted) class_capacity.push_back(0);
    class_capacity[static_cast<size_t>(it->second)] +=
        topology.SiteModelGpus(raw_pools[p].first, raw_pools[p].second);
    for (int32_t j : pool_users[p]) {
      std::vector<int32_t>& pools = jobs[static_cast<size_t>(j)].pools;
      if (pools.empty() || pools.back() != it->second) pools.push_back(it->second);
    }
  }
  for (Job& job : jobs) {
    std::sort(job.pools.begin(), job.pools.end());
    job.pools.erase(std::unique(job.pools.begin(), job.pools.end()), job.pools.end());
  }
  out.pools = static_cast<int64_t>(class_capacity.size());
  out.gpu_hours = out.unbounded_gpu_hours;
  if (jobs.empty()) {
    out.slot = options.slot;
    return out;
  }

  // Pick the slot width: the finest whose matrix fits.
  Seconds slot = std::max<Seconds>(1, options.slot);
  Seconds first = kFarFuture, last = -kFarFuture;
  for (const Job& job : jobs) {
    first = std::min(first, job.earliest);
    last = std::max(last, job.latest + job.duration);
  }
  auto nonzeros_for = [&](Seconds width) {
    int64_t total = 0;
    for (const Job& job : jobs) {
      const int64_t starts = FloorDiv(job.latest, width) - FloorDiv(job.earliest, width) + 1;
      const int64_t covered = job.duration / width + 2;
      total += static_cast<int64_t>(job.pools.size()) * starts * (covered + 1);
    }
    return total;
  };
  if (options.method == LpBoundOptions::Method::kLagrangian ||
      (options.method == LpBoundOptions::Method::kAuto &&
       nonzeros_for(slot) > options.max_nonzeros)) {
    // Too large a matrix for the simplex at this slot width: the Lagrangian
    // bound at the same width is as valid and needs no matrix.
    out.method = "lagrangian";
    out.slot = slot;
    out.nonzeros = nonzeros_for(slot);
    const int64_t first_slot = FloorDiv(first, slot);
    const int64_t num_slots = FloorDiv(last - 1, slot) - first_slot + 1;
    out.constraints = static_cast<int64_t>(class_capacity.size()) * num_slots;
    out.iterations = options.lagrangian_iterations;
    out.gpu_hours += LagrangianBound(jobs, class_capacity, slot, first_slot, num_slots,
                                     options.lagrangian_iterations, &out.variables);
    return out;
  }
  out.method = "lp";
  while (nonzeros_for(slot) > options.max_nonzeros) {
    if (slot >= options.max_slot) {
      return ResourceExhausted("the LP bound needs more than " +
                               std::to_string(options.max_nonzeros) +
                               " nonzeros even with slots of " + std::to_string(slot) + " s");
    }
    slot = std::min(options.max_slot, slot * 2);
  }
  out.slot = slot;
  const int64_t first_slot = FloorDiv(first, slot);
  const int64_t num_slots = FloorDiv(last - 1, slot) - first_slot + 1;
  const auto num_classes = static_cast<int64_t>(class_capacity.size());
  // Rows: one per (pool class, slot), then one per job.
  auto capacity_row = [&](int64_t pool, int64_t u) {
    return static_cast<int>(pool * num_slots + (u - first_slot));
  };
  const auto job_row_base = static_cast<int>(num_classes * num_slots);

  std::vector<int> starts_of_column;
  std::vector<int> rows;
  std::vector<double> values;
  std::vector<double> objective;
  starts_of_column.push_back(0);
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Job& job = jobs[j];
    const int64_t t_first = FloorDiv(job.earliest, slot);
    const int64_t t_last = FloorDiv(job.latest, slot);
    for (int32_t pool : job.pools) {
      for (int64_t t = t_first; t <= t_last; ++t) {
        // Starts this variable stands for.
        const Seconds a = std::max(job.earliest, t * slot);
        const Seconds b = std::min(job.latest, (t + 1) * slot - 1);
        const int64_t u_last = FloorDiv(b + job.duration - 1, slot);
        for (int64_t u = t; u <= u_last; ++u) {
          const Seconds least = LeastOverlap(a, b, job.duration, u * slot, (u + 1) * slot);
          if (least <= 0) continue;
          rows.push_back(capacity_row(pool, u));
          values.push_back(static_cast<double>(job.gpus) * static_cast<double>(least) /
                           static_cast<double>(slot));
        }
        rows.push_back(job_row_base + static_cast<int>(j));
        values.push_back(1.0);
        starts_of_column.push_back(static_cast<int>(rows.size()));
        objective.push_back(static_cast<double>(job.gpus) * static_cast<double>(job.duration) /
                            3600.0);
      }
    }
  }
  const auto num_columns = static_cast<int>(objective.size());
  const int num_rows = job_row_base + static_cast<int>(jobs.size());
  out.variables = num_columns;
  out.constraints = num_rows;
  out.nonzeros = static_cast<int64_t>(rows.size());

  std::vector<int> lengths(static_cast<size_t>(num_columns));
  for (int c = 0; c < num_columns; ++c) {
    lengths[static_cast<size_t>(c)] =
        starts_of_column[static_cast<size_t>(c) + 1] - starts_of_column[static_cast<size_t>(c)];
  }
  CoinPackedMatrix matrix(true, num_rows, num_columns, static_cast<CoinBigIndex>(rows.size()),
                          values.data(), rows.data(), starts_of_column.data(), lengths.data());
  std::vector<double> col_lower(static_cast<size_t>(num_columns), 0.0);
  std::vector<double> col_upper(static_cast<size_t>(num_columns), 1.0);
  std::vector<double> row_lower(static_cast<size_t>(num_rows), -COIN_DBL_MAX);
  std::vector<double> row_upper(static_cast<size_t>(num_rows), 1.0);
  for (int64_t pool = 0; pool < num_classes; ++pool) {
    for (int64_t u = first_slot; u < first_slot + num_slots; ++u) {
      row_upper[static_cast<size_t>(capacity_row(pool, u))] =
          static_cast<double>(class_capacity[static_cast<size_t>(pool)]);
    }
  }
  ClpSimplex model;
  model.setLogLevel(0);
  model.loadProblem(matrix, col_lower.data(), col_upper.data(), objective.data(), row_lower.data(),
                    row_upper.data());
  model.setOptimizationDirection(-1);  // maximize
  model.initialSolve();
  if (!model.isProvenOptimal()) {
    return Internal("the LP solver stopped with status " + std::to_string(model.status()));
  }
  out.gpu_hours += model.objectiveValue();
  return out;
}

namespace {

double LagrangianBound(const std::vector<Job>& jobs, const std::vector<int64_t>& class_capacity,
                       Seconds slot, int64_t first_slot, int64_t num_slots, int iterations,
                       int64_t* columns_out) {
  const auto pools = class_capacity.size();
  const auto slots = static_cast<size_t>(num_slots);
  // A column: job j starting in slot t (starts [a, b]) in some pool. Its use of
  // slot u is g_j * least(u) / slot, where least(u) = slot for the slots every
  // start covers fully ([full_lo, full_hi]) and is measured for the few others.
  struct Column {
    int32_t job = 0;
    int32_t t = 0;        // slot index of the starts (from first_slot)
    int32_t full_lo = 0;  // fully covered slots, may be empty (full_lo > full_hi)
    int32_t full_hi = -1;
    int32_t partial = 0;  // offset into partial_slots / partial_share
    int32_t num_partial = 0;
  };
  std::vector<Column> columns;
  std::vector<int32_t> partial_slots;
  std::vector<double> partial_share;  // least / slot
  std::vector<size_t> job_first(jobs.size() + 1, 0);
  for (size_t j = 0; j < jobs.size(); ++j) {
    const Job& job = jobs[j];
    job_first[j] = columns.size();
    for (int64_t t = FloorDiv(job.earliest, slot); t <= FloorDiv(job.latest, slot); ++t) {
      const Seconds a = std::max(job.earliest, t * slot);
      const Seconds b = std::min(job.latest, (t + 1) * slot - 1);
      const int64_t u_last = FloorDiv(b + job.duration - 1, slot);
      // Every start in [a, b] covers slot u fully when u * slot >= b and
      // (u + 1) * slot <= a + duration.
      const int64_t full_lo = -FloorDiv(-b, slot);
      const int64_t full_hi = FloorDiv(a + job.duration, slot) - 1;
      Column col{.job = static_cast<int32_t>(j),
                 .t = static_cast<int32_t>(t - first_slot),
                 .full_lo = static_cast<int32_t>(std::max(full_lo, t) - first_slot),
                 .full_hi = static_cast<int32_t>(full_hi - first_slot),
                 .partial = static_cast<int32_t>(partial_slots.size()),
                 .num_partial = 0};
      for (int64_t u = t; u <= u_last; ++u) {
        if (u >= std::max(full_lo, t) && u <= full_hi) continue;
        const Seconds least = LeastOverlap(a, b, job.duration, u * slot, (u + 1) * slot);
        if (least <= 0) continue;
        partial_slots.push_back(static_cast<int32_t>(u - first_slot));
        partial_share.push_back(static_cast<double>(least) / static_cast<double>(slot));
        ++col.num_partial;
      }
      columns.push_back(col);
    }
  }
  job_first[jobs.size()] = columns.size();
  int64_t total_columns = 0;
  for (const Job& job : jobs) {
    total_columns += static_cast<int64_t>(job.pools.size()) *
                     (FloorDiv(job.latest, slot) - FloorDiv(job.earliest, slot) + 1);
  }
  *columns_out = total_columns;

  std::vector<double> weight(jobs.size());
  double requested = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    weight[j] = static_cast<double>(jobs[j].gpus) * static_cast<double>(jobs[j].duration) / 3600.0;
    requested += weight[j];
  }
  std::vector<double> y(pools * slots, 0.0);        // prices, pool-major
  std::vector<double> prefix(pools * (slots + 1));  // prefix sums of y per pool
  std::vector<double> use(pools * (slots + 1));     // subgradient accumulation (difference array)
  std::vector<double> gradient(pools * slots);
  double best = requested;  // L(0): every job in full
  double target_gap = 0.05;
  int since_improved = 0;
  double theta = 1.0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    for (size_t p = 0; p < pools; ++p) {
      double* pre = &prefix[p * (slots + 1)];
      pre[0] = 0;
      for (size_t u = 0; u < slots; ++u) pre[u + 1] = pre[u] + y[p * slots + u];
    }
    std::fill(use.begin(), use.end(), 0.0);
    double value = 0;
    for (size_t p = 0; p < pools; ++p) {
      for (size_t u = 0; u < slots; ++u) {
        value += static_cast<double>(class_capacity[p]) * y[p * slots + u];
      }
    }
    // Per job, its most profitable column at these prices; the slots it uses
    // make the subgradient.
    std::vector<std::pair<size_t, size_t>> chosen;  // (pool, column)
    chosen.reserve(jobs.size());
    for (size_t j = 0; j < jobs.size(); ++j) {
      const double g = static_cast<double>(jobs[j].gpus);
      double best_profit = 0;
      size_t best_pool = 0, best_col = SIZE_MAX;
      for (int32_t pool : jobs[j].pools) {
        const auto p = static_cast<size_t>(pool);
        const double* pre = &prefix[p * (slots + 1)];
        const double* yp = &y[p * slots];
        for (size_t c = job_first[j]; c < job_first[j + 1]; ++c) {
          const Column& col = columns[c];
          double cost = 0;
          if (col.full_lo <= col.full_hi) {
            cost += pre[col.full_hi + 1] - pre[col.full_lo];
          }
          for (int32_t k = 0; k < col.num_partial; ++k) {
            const auto at = static_cast<size_t>(col.partial + k);
            cost += partial_share[at] * yp[partial_slots[at]];
          }
          const double profit = weight[j] - g * cost;
          if (profit > best_profit) {
            best_profit = profit;
            best_pool = p;
            best_col = c;
          }
        }
      }
      value += best_profit;
      if (best_col == SIZE_MAX) continue;
      const Column& col = columns[best_col];
      double* u_use = &use[best_pool * (slots + 1)];
      if (col.full_lo <= col.full_hi) {
        // Difference array over the fully used slots.
        u_use[col.full_lo] += g;
        u_use[col.full_hi + 1] -= g;
      }
      chosen.emplace_back(best_pool, best_col);
    }
    best = std::min(best, value);
    // Subgradient of L at y: capacity minus what the chosen columns use.
    double norm = 0;
    for (size_t p = 0; p < pools; ++p) {
      double running = 0;
      for (size_t u = 0; u < slots; ++u) {
        running += use[p * (slots + 1) + u];
        gradient[p * slots + u] = static_cast<double>(class_capacity[p]) - running;
      }
    }
    for (const auto& [p, c] : chosen) {
      const Column& col = columns[c];
      const double g = static_cast<double>(jobs[static_cast<size_t>(col.job)].gpus);
      for (int32_t k = 0; k < col.num_partial; ++k) {
        const auto at = static_cast<size_t>(col.partial + k);
        gradient[p * slots + static_cast<size_t>(partial_slots[at])] -= g * partial_share[at];
      }
    }
    // Only directions that keep y >= 0 count.
    for (size_t i = 0; i < gradient.size(); ++i) {
      if (y[i] <= 0 && gradient[i] > 0) gradient[i] = 0;
      norm += gradient[i] * gradient[i];
    }
    if (norm <= 0) break;  // y is optimal: nothing is over capacity where it is priced
    // Polyak's step towards a target a little below the best bound so far,
    // halving the step when the bound stops improving.
    if (value < best + 1e-9 * best) {
      since_improved = 0;
    } else if (++since_improved >= 20) {
      theta /= 2;
      since_improved = 0;
      target_gap /= 2;
    }
    const double step = theta * std::max(value - best * (1 - target_gap), 1e-9 * best) / norm;
    for (size_t i = 0; i < y.size(); ++i) y[i] = std::max(0.0, y[i] - step * gradient[i]);
  }
  return best;
}

}  // namespace

}  // namespace straits::placement

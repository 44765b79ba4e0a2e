// Quotes: "where can we legally train 3e24 FLOP soonest / cheapest?"
//
// A tenant describes a training job by its compute (`training_flop`) or by
// GPU-hours on a reference accelerator (`gpu_hours` + `reference`), plus
// constraints. The answer has one option per site and accelerator model:
// GPUs, earliest start, time to train, price from the site's rate card, and
// the compliance verdict with its reasons. Options that are not allowed (or
// cannot be placed) are listed with the reason, not hidden.
//
// Time to train, and the assumption behind it:
//
//   seconds = training_flop / (gpus x dense BF16 FLOP/s per GPU x MFU)
//
// rounded up to whole hours (leases are booked by the hour). Dense BF16
// throughput comes from the accelerator catalog (the "fp16/bf16" entry of
// data/accelerators.toml, with its source). MFU (model FLOPs utilization: the
// share of peak a real training run sustains) is a per-accelerator-family
// factor from data/model-utilization.toml, each with its source; the request
// may override it (`mfu`). GPU-hours on a reference accelerator convert to
// FLOP with the reference's throughput and MFU. It is an estimate for
// comparing options, not a promise: MFU depends on the model, the parallelism
// and the interconnect.
//
// Thread-safety: plain values and pure functions; UtilizationTable is
// immutable after loading.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"
#include "placement/request.h"
#include "policy/types.h"

namespace straits::lease {

struct UtilizationFactor {
  std::string family;           // "nvidia-hopper"
  std::vector<ModelId> models;  // catalog ids in the family
  double mfu = 0;               // 0 < mfu <= 1
  std::string source;
};

class UtilizationTable {
 public:
  UtilizationTable() = default;
  // [[family]] tables with id, models, mfu, source. invalid_argument with
  // "SOURCE:LINE:COL" for syntax errors, unknown or missing keys, an MFU
  // outside (0, 1], a model listed twice.
  static Result<UtilizationTable> FromToml(std::string_view text, std::string_view source_name);
  // The embedded data/model-utilization.toml.
  static Result<UtilizationTable> Shipped();

  const UtilizationFactor* Find(const ModelId& model) const;
  const std::vector<UtilizationFactor>& families() const { return families_; }

 private:
  std::vector<UtilizationFactor> families_;
};

// Dense BF16 (16-bit floating point) throughput of one accelerator in
// tera-operations per second, from its catalog entry; nullopt if unknown.
std::optional<double> DenseBf16Tflops(const catalog::AcceleratorSpec& spec);

enum class QuoteOrder { kSoonest, kCheapest };
std::string_view QuoteOrderName(QuoteOrder order);  // "soonest", "cheapest"

struct QuoteRequest {
  OrgId tenant;
  std::optional<double> training_flop;
  std::optional<double> gpu_hours;  // with `reference`
  std::optional<ModelId> reference;
  std::optional<int64_t> gpus;  // none: the largest pod of each model, up to 1024
  std::vector<ModelId> models;  // only these models; empty: every model
  std::vector<SiteId> sites;    // only these sites; empty: every site
  Instant earliest;
  std::optional<Instant> latest_end;
  std::optional<Money> max_price;  // per GPU-hour
  std::optional<double> mfu;       // overrides the table for every option
  placement::Scope scope = placement::Scope::kPod;
  QuoteOrder order = QuoteOrder::kSoonest;
};

// POST /v1/quotes body:
//   {"tenant": "harborview", "training_flop": 3e24 | "gpu_hours": 50000, "reference": "h100-sxm",
//    "gpus": 256, "accelerators": [...], "sites": [...], "earliest": "...", "latest_end": "...",
//    "max_price": "4.00 USD", "mfu": 0.4, "scope": "pod", "by": "soonest" | "cheapest"}
// invalid_argument naming the field.
Result<QuoteRequest> QuoteRequestFromJson(const boost::json::object& body, Instant now);

struct QuoteOption {
  SiteId site;
  ModelId model;
  int64_t gpus = 0;
  double bf16_tflops = 0;
  double mfu = 0;
  std::string mfu_source;
  Duration time_to_train;
  std::optional<Instant> start;  // earliest start found; none when it cannot be placed
  std::optional<Instant> end;
  std::optional<Money> price_per_gpu_hour;
  std::optional<Money> total;      // in the site's currency
  std::optional<Money> total_usd;  // converted at today's rates, for comparing sites
  policy::Verdict verdict = policy::Verdict::kAllowed;
  std::vector<std::string> reasons;  // rules that fired, with regime and citation
  // Why the option cannot be leased as asked (capacity, deadline, price, verdict); empty if it can.
  std::string unavailable;
  bool available() const { return unavailable.empty(); }
};

struct QuoteResult {
  double training_flop = 0;
  QuoteOrder order = QuoteOrder::kSoonest;
  std::string assumption;            // the time-to-train formula in words
  std::vector<QuoteOption> options;  // available first, in the requested order
};

// Sorts: available options first; then by end (soonest) or total in USD
// (cheapest, unpriced last); ties by site and model.
void SortOptions(std::vector<QuoteOption>& options, QuoteOrder order);

boost::json::object QuoteResultToJson(const QuoteResult& result);

}  // namespace straits::lease

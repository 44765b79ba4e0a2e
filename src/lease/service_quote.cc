// LeaseService::Quote: options per site and accelerator model for a training job.
#include <algorithm>
#include <cmath>

#include "lease/service.h"

namespace straits::lease {
namespace {

constexpr int64_t kMaxDefaultGpus = 1024;
constexpr double kMaxHours = 10.0 * 366 * 24;  // beyond ten years an option is not an option

int64_t DefaultGpus(const placement::Topology& topology, placement::SiteIndex site,
                    placement::ModelIndex model, placement::Scope scope) {
  int64_t gpus = 0;
  switch (scope) {
    case placement::Scope::kNode:
      for (placement::CellIndex c : topology.SiteModelCells(site, model)) {
        gpus = std::max<int64_t>(gpus, topology.cell(c).max_node_gpus);
      }
      break;
    case placement::Scope::kPod:
      for (placement::CellIndex c : topology.SiteModelCells(site, model)) {
        gpus = std::max(gpus, topology.cell(c).gpus);
      }
      break;
    case placement::Scope::kSite:
      gpus = topology.SiteModelGpus(site, model);
      break;
  }
  return std::min(gpus, kMaxDefaultGpus);
}

}  // namespace

Result<QuoteResult> LeaseService::Quote(const QuoteRequest& request, const Actor& actor) {
  if (!actor.Sees(request.tenant)) {
    return PermissionDenied("a token of " + actor.org->str() +
                            " may ask for quotes only for that organization");
  }
  const Instant now = deps_.clock.Now();
  std::shared_ptr<const World> w = world();
  const fleet::Organization* tenant = w->FindOrg(request.tenant);
  if (!tenant) return NotFound("no organization \"" + request.tenant.str() + "\"", "tenant");
  const placement::Topology& topology = w->topology;

  auto factor_for = [&](const ModelId& model) -> std::pair<double, std::string> {
    if (request.mfu) return {*request.mfu, "given in the request"};
    const UtilizationFactor* f = deps_.utilization ? deps_.utilization->Find(model) : nullptr;
    if (!f) return {0, ""};
    return {f->mfu, f->family + ": " + f->source};
  };

  QuoteResult result;
  result.order = request.order;
  if (request.training_flop) {
    result.training_flop = *request.training_flop;
  } else {
    const catalog::AcceleratorSpec* ref = deps_.catalog.Find(*request.reference);
    if (!ref) {
      return NotFound("no accelerator model \"" + request.reference->str() + "\"", "reference");
    }
    std::optional<double> tflops = DenseBf16Tflops(*ref);
    if (!tflops) {
      return InvalidArgument("the catalog has no dense BF16 throughput for " +
                                 request.reference->str() + "; give training_flop instead",
                             "reference");
    }
    auto [mfu, source] = factor_for(*request.reference);
    if (mfu <= 0) {
      return InvalidArgument(
          "no utilization factor for " + request.reference->str() + "; give mfu in the request",
          "mfu");
    }
    result.training_flop = *request.gpu_hours * 3600.0 * *tflops * 1e12 * mfu;
  }
  for (size_t i = 0; i < request.sites.size(); ++i) {
    if (!topology.FindSite(request.sites[i].str())) {
      return NotFound("no site \"" + request.sites[i].str() + "\"",
                      "sites[" + std::to_string(i) + "]");
    }
  }
  for (size_t i = 0; i < request.models.size(); ++i) {
    if (!deps_.catalog.Find(request.models[i])) {
      return NotFound("no accelerator model \"" + request.models[i].str() + "\"",
                      "accelerators[" + std::to_string(i) + "]");
    }
  }
  result.assumption =
      "time to train = training_flop / (GPUs x dense BF16 FLOP/s per GPU x MFU), rounded up to "
      "whole hours; dense BF16 throughput from the accelerator catalog, MFU per accelerator "
      "family from data/model-utilization.toml unless the request gives mfu";

  const Instant earliest = std::max(request.earliest, now);
  for (placement::SiteIndex s = 0; s < topology.num_sites(); ++s) {
    const SiteId& site_id = topology.site(s).id;
    if (!request.sites.empty() &&
        std::find(request.sites.begin(), request.sites.end(), site_id) == request.sites.end()) {
      continue;
    }
    for (placement::ModelIndex m = 0; m < topology.num_models(); ++m) {
      const ModelId& model_id = topology.model(m).id;
      if (topology.SiteModelGpus(s, m) == 0) continue;
      if (!request.models.empty() && std::find(request.models.begin(), request.models.end(),
                                               model_id) == request.models.end()) {
        continue;
      }
      QuoteOption option;
      option.site = site_id;
      option.model = model_id;
      option.gpus = request.gpus ? *request.gpus : DefaultGpus(topology, s, m, request.scope);
      const catalog::AcceleratorSpec* accel = deps_.catalog.Find(model_id);
      // value_or rather than an optional read after a branch: GCC 12 at -O3
      // reports such reads as maybe-uninitialized.
      const double tflops = accel ? DenseBf16Tflops(*accel).value_or(0.0) : 0.0;
      auto [mfu, source] = factor_for(model_id);
      option.mfu = mfu;
      option.mfu_source = source;
      if (tflops <= 0) {
        option.unavailable = "the catalog has no dense BF16 throughput for " + model_id.str();
        result.options.push_back(std::move(option));
        continue;
      }
      option.bf16_tflops = tflops;
      if (mfu <= 0) {
        option.unavailable = "no utilization factor for " + model_id.str() + "; give mfu";
        result.options.push_back(std::move(option));
        continue;
      }
      const double hours = std::ceil(
          result.training_flop / (static_cast<double>(option.gpus) * tflops * 1e12 * mfu) / 3600.0);
      if (!(hours <= kMaxHours)) {
        option.unavailable =
            "would take more than ten years on " + std::to_string(option.gpus) + " GPUs";
        result.options.push_back(std::move(option));
        continue;
      }
      option.time_to_train = Duration::Hours(std::max<int64_t>(1, static_cast<int64_t>(hours)));

      // Compliance on the first day the GPUs could be used.
      LeaseSpec spec;
      spec.tenant = request.tenant;
      spec.gpus = option.gpus;
      spec.models = {model_id};
      spec.scope = request.scope;
      spec.earliest_start = earliest;
      spec.latest_end = request.latest_end;
      spec.duration = option.time_to_train;
      spec.end_use = policy::EndUse::kTraining;
      spec.training_flop = result.training_flop;
      Evaluated e;
      STRAITS_RETURN_IF_ERROR(Evaluate(deps_.policy, screener_, *w, spec, s, m, earliest, e));
      option.verdict = e.verdict();
      option.reasons = HitSummaries(e.decision);

      // Earliest start at this site with this model.
      if (request.latest_end && *request.latest_end - earliest < option.time_to_train) {
        option.unavailable = "needs " + option.time_to_train.ToString() +
                             ", more than the window up to " + request.latest_end->ToString();
      } else {
        placement::Request pr;
        pr.id = "quote";
        pr.tenant = request.tenant;
        pr.gpus = option.gpus;
        pr.models = {model_id};
        pr.duration = option.time_to_train;
        pr.earliest_start = earliest;
        pr.latest_end = request.latest_end;
        pr.scope = request.scope;
        pr.sites = {site_id};
        pr.only_listed_sites = true;
        Result<placement::CompiledRequest> compiled = placement::CompileRequest(pr, topology);
        if (!compiled.ok()) {
          option.unavailable = compiled.status().message();
        } else {
          std::lock_guard<std::mutex> lock(mu_);
          if (calendar_world_ != w) return Unavailable("the fleet is being reloaded; retry");
          STRAITS_RETURN_IF_ERROR(SyncCalendarLocked());
          oracle_->Reset(topology.num_sites(), topology.num_models());
          oracle_->AllowAll();
          placement::Decision d = engine_->Decide(*compiled, *calendar_,
                                                  {.now = now, .explain = true, .reasons = true});
          if (d.placed()) {
            option.start = Instant::FromUnixSeconds(d.placement->start);
            option.end = Instant::FromUnixSeconds(d.placement->end);
          } else {
            for (const placement::SiteReason& r : d.reasons) {
              if (r.site != s) continue;
              option.unavailable =
                  std::string(placement::ReasonCodeName(r.code)) + ": " + r.message;
              if (r.short_by_gpus > 0) {
                option.unavailable += " (short by " + std::to_string(r.short_by_gpus) + " GPUs)";
              }
            }
            if (option.unavailable.empty()) option.unavailable = "cannot be placed";
          }
        }
      }
      // Price from the rate card over the whole term.
      if (option.start && deps_.rates) {
        Result<Interval> term = Interval::Make(*option.start, *option.end);
        Result<billing::Quote> priced =
            term.ok() ? billing::QuoteLease(*deps_.rates, site_id, model_id,
                                            static_cast<int>(option.gpus), *term)
                      : Result<billing::Quote>(term.status());
        if (priced.ok()) {
          option.total = priced->total;
          option.total_usd = PriceInUsd(priced->total, deps_.fx, now);
          if (!priced->segments.empty()) option.price_per_gpu_hour = priced->segments[0].unit_price;
        }
      }
      if (option.available() && request.max_price) {
        if (!option.price_per_gpu_hour) {
          option.unavailable = "no rate card price for " + model_id.str() + " at " + site_id.str() +
                               " to compare with the cap";
        } else if (!(option.price_per_gpu_hour->currency() == request.max_price->currency())) {
          option.unavailable =
              "priced in " + std::string(option.price_per_gpu_hour->currency().code()) +
              ", the cap is in " + std::string(request.max_price->currency().code());
        } else if (option.price_per_gpu_hour->minor_units() > request.max_price->minor_units()) {
          option.unavailable = "over the price cap: " + option.price_per_gpu_hour->ToString() +
                               " per GPU-hour > " + request.max_price->ToString();
        }
      }
      if (option.available() && option.verdict == policy::Verdict::kProhibited) {
        option.unavailable = "prohibited: " + Summary(e.decision);
      }
      result.options.push_back(std::move(option));
    }
  }
  SortOptions(result.options, request.order);
  return result;
}

}  // namespace straits::lease

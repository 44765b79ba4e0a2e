// `straits quote`: where (and whether) a training job can run soonest or cheapest.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "lease/quote.h"
#include "lease/runtime.h"

namespace straits::cli {
namespace {

namespace json = boost::json;

struct QuoteFlags {
  std::string tenant;
  std::optional<double> training_flop;
  std::optional<double> gpu_hours;
  std::string reference;
  std::optional<int64_t> gpus;
  std::vector<std::string> accelerators;
  std::vector<std::string> sites;
  std::string earliest, latest_end, max_price, scope, by;
  std::optional<double> mfu;
  bool json = false;
};

std::string FlagFor(const std::string& field) {
  static const std::pair<const char*, const char*> kFlags[] = {{"tenant", "--tenant"},
                                                               {"training_flop", "--training-flop"},
                                                               {"gpu_hours", "--gpu-hours"},
                                                               {"reference", "--reference"},
                                                               {"gpus", "--gpus"},
                                                               {"accelerators", "--accelerator"},
                                                               {"sites", "--site"},
                                                               {"earliest", "--earliest"},
                                                               {"latest_end", "--latest-end"},
                                                               {"max_price", "--max-price"},
                                                               {"mfu", "--mfu"},
                                                               {"scope", "--scope"},
                                                               {"by", "--by"}};
  for (const auto& [key, flag] : kFlags) {
    if (field.rfind(key, 0) == 0) return std::string(flag) + field.substr(std::strlen(key));
  }
  return field;
}

Status AsFlags(const Status& s) {
  if (s.ok() || s.field().empty()) return s;
  return Status(s.code(), s.message(), FlagFor(s.field()));
}

std::string Compact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

Status Quote(const GlobalOptions& options, const QuoteFlags& f) {
  json::object body{{"tenant", f.tenant}};
  if (f.training_flop) body["training_flop"] = *f.training_flop;
  if (f.gpu_hours) body["gpu_hours"] = *f.gpu_hours;
  if (!f.reference.empty()) body["reference"] = f.reference;
  if (f.gpus) body["gpus"] = *f.gpus;
  auto list = [](const std::vector<std::string>& items) {
    json::array out;
    for (const std::string& s : items) out.emplace_back(s);
    return out;
  };
  if (!f.accelerators.empty()) body["accelerators"] = list(f.accelerators);
  if (!f.sites.empty()) body["sites"] = list(f.sites);
  if (!f.earliest.empty()) body["earliest"] = f.earliest;
  if (!f.latest_end.empty()) body["latest_end"] = f.latest_end;
  if (!f.max_price.empty()) body["max_price"] = f.max_price;
  if (f.mfu) body["mfu"] = *f.mfu;
  if (!f.scope.empty()) body["scope"] = f.scope;
  if (!f.by.empty()) body["by"] = f.by;

  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  SystemClock clock;
  lease::RuntimeOptions runtime_options;
  runtime_options.connections = 1;
  runtime_options.service.reevaluate_on_start = false;
  STRAITS_ASSIGN_OR_RETURN(
      auto runtime, lease::LeaseRuntime::Open(options.db_path, *store, clock, runtime_options));
  Result<lease::QuoteRequest> request = lease::QuoteRequestFromJson(body, clock.Now());
  if (!request.ok()) return AsFlags(request.status());
  const char* user = std::getenv("USER");
  lease::Actor actor{std::string("cli:") + (user && *user ? user : "unknown"), "cli", {}};
  Result<lease::QuoteResult> result = runtime->service().Quote(*request, actor);
  if (!result.ok()) return AsFlags(result.status());
  if (f.json) {
    std::printf("%s\n", json::serialize(lease::QuoteResultToJson(*result)).c_str());
    return Status::Ok();
  }
  std::printf("%s FLOP, by %s; %s\n", Compact(result->training_flop).c_str(),
              std::string(lease::QuoteOrderName(result->order)).c_str(),
              result->assumption.c_str());
  Table table({"SITE", "MODEL", "GPUS", "MFU", "TIME", "START", "END", "PRICE/GPU-H", "TOTAL",
               "VERDICT", "NOTE"});
  for (const lease::QuoteOption& o : result->options) {
    table.AddRow({o.site.str(), o.model.str(), std::to_string(o.gpus), Compact(o.mfu),
                  o.time_to_train.ToString(), o.start ? o.start->ToString() : "-",
                  o.end ? o.end->ToString() : "-",
                  o.price_per_gpu_hour ? o.price_per_gpu_hour->ToString() : "-",
                  o.total ? o.total->ToString() : "-", std::string(policy::VerdictName(o.verdict)),
                  o.available() ? (o.verdict == policy::Verdict::kAllowed ? "" : "needs review")
                                : o.unavailable});
  }
  table.Print(stdout);
  for (const lease::QuoteOption& o : result->options) {
    for (const std::string& r : o.reasons) {
      std::printf("%s/%s: %s\n", o.site.str().c_str(), o.model.str().c_str(), r.c_str());
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterQuoteCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto f = std::make_shared<QuoteFlags>();
  CLI::App* quote = app.add_subcommand(
      "quote",
      "Options per site and accelerator for a training job: GPUs, earliest start, time to train, "
      "price and the compliance verdict (docs/leases.md states the time-to-train assumption)");
  quote->add_option("--tenant", f->tenant, "Tenant organization id")->required();
  quote->add_option("--training-flop", f->training_flop, "Training compute, e.g. 3e24");
  quote->add_option("--gpu-hours", f->gpu_hours, "Or GPU-hours on the --reference accelerator");
  quote->add_option("--reference", f->reference, "Accelerator the GPU-hours were measured on");
  quote->add_option("--gpus", f->gpus, "GPUs per option (default: the largest pod, up to 1024)");
  quote->add_option("--accelerator", f->accelerators, "Only these models (ID[,ID])")
      ->delimiter(',');
  quote->add_option("--site", f->sites, "Only this site (repeatable)");
  quote->add_option("--earliest", f->earliest, "Not before (default now)");
  quote->add_option("--latest-end", f->latest_end, "Must end by");
  quote->add_option("--max-price", f->max_price, "Price cap per GPU-hour, e.g. \"4.00 USD\"");
  quote->add_option("--mfu", f->mfu, "Model FLOPs utilization to assume (overrides the table)");
  quote->add_option("--scope", f->scope, "node, pod (default) or site");
  quote->add_option("--by", f->by, "soonest (default) or cheapest");
  quote->add_flag("--json", f->json, "Machine-readable JSON");
  quote->callback([&options, &exit_code, f] {
    Status s = Quote(options, *f);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

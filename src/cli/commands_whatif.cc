// `straits whatif`: every tenant x site x accelerator model in the database,
// and every lease holding capacity, evaluated under another date and/or named
// rule packs, against a baseline (today, packs by date); lists what changes.
// The JSON printed by --json is that of POST /v1/compliance/whatif.
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "lease_store/sqlite_lease_store.h"
#include "policy/clearance_store.h"
#include "policy/json.h"
#include "policy/pack_store.h"
#include "policy/shipped.h"
#include "policy/store_facts.h"
#include "policy/whatif.h"

namespace straits::cli {
namespace {

struct WhatIfFlags {
  std::vector<std::string> regimes;
  std::string date;
  std::string baseline;
  bool only = false;
  bool json = false;
};

std::string Joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) out += (out.empty() ? "" : ", ") + v;
  return out.empty() ? "-" : out;
}

Status WhatIf(const WhatIfFlags& flags, const GlobalOptions& options) {
  boost::json::object body;
  if (!flags.date.empty()) body["date"] = flags.date;
  if (!flags.regimes.empty()) {
    boost::json::array regimes;
    for (const std::string& r : flags.regimes) regimes.push_back(boost::json::value(r));
    body["regimes"] = std::move(regimes);
  }
  if (flags.only) body["only_regimes"] = true;
  Result<policy::WhatIfScenario> scenario = policy::WhatIfScenarioFromJson(body);
  if (!scenario.ok()) {
    const std::string field(scenario.status().field());
    const std::string flag = field.rfind("regimes", 0) == 0 ? "--regime"
                             : field == "only_regimes"      ? "--only"
                                                            : "--" + field;
    return InvalidArgument(scenario.status().message(), flag);
  }
  Instant baseline = SystemClock().Now();
  if (!flags.baseline.empty()) {
    Result<Instant> parsed = Instant::Parse(flags.baseline);
    if (!parsed.ok()) return InvalidArgument(parsed.status().message(), "--baseline");
    baseline = *parsed;
  }

  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<lease_store::LeaseStore> leases,
                           lease_store::OpenSqliteLeaseStore(options.db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(policy::WhatIfWorld world,
                           policy::WhatIfWorldFromStore(*store, leases.get()));
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine, policy::LoadEngine(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<policy::ClearanceStore> clearances,
                           policy::OpenClearanceStore(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::vector<policy::StoredClearance> stored, clearances->List());
  STRAITS_ASSIGN_OR_RETURN(policy::Screener screener,
                           policy::LoadShippedScreener(policy::ClearancesOf(stored)));

  const auto started = std::chrono::steady_clock::now();
  auto progress = [&](size_t done, size_t total) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Only long runs report, so short ones keep stderr quiet.
    if (done < total || seconds >= 1.0) {
      std::fprintf(stderr, "whatif: %zu of %zu combinations (%.1f s)\n", done, total, seconds);
    }
  };
  Result<policy::WhatIfReport> report =
      policy::RunWhatIf(engine, &screener, world, baseline, *scenario, progress);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kNotFound) {
      return InvalidArgument(report.status().message(), "--regime");
    }
    return report.status();
  }
  if (flags.json) {
    std::printf("%s\n", boost::json::serialize(policy::WhatIfReportToJson(*report)).c_str());
    return Status::Ok();
  }
  std::printf(
      "baseline %s (packs by date) vs scenario %s%s%s: %zu combinations, %zu stricter, "
      "%zu looser, %zu with other rules\n",
      report->baseline_date.DateString().c_str(), report->scenario_date.DateString().c_str(),
      report->scenario_regimes.empty() ? "" : " with ",
      report->scenario_regimes.empty() ? "" : Joined(report->scenario_regimes).c_str(),
      report->combinations, report->stricter, report->looser, report->rules_changed);
  if (report->changes.empty()) {
    std::printf("no change\n");
    return Status::Ok();
  }
  Table table({"TENANT", "SITE", "MODEL", "LEASE", "CHANGE", "BASELINE", "SCENARIO", "RULES NOW"});
  for (const policy::WhatIfChange& c : report->changes) {
    table.AddRow({c.tenant, c.site, c.model, c.label.empty() ? "-" : c.label, c.change,
                  std::string(policy::VerdictName(c.baseline)),
                  std::string(policy::VerdictName(c.scenario)), Joined(c.scenario_rules)});
  }
  table.Print(stdout);
  return Status::Ok();
}

}  // namespace

void RegisterWhatifCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  auto flags = std::make_shared<WhatIfFlags>();
  CLI::App* whatif = app.add_subcommand(
      "whatif",
      "What changes for every tenant x site x model (and lease) under another date or packs");
  whatif->add_option("--regime", flags->regimes, "Apply this pack by name (repeatable)");
  whatif->add_option("--date", flags->date, "Scenario date YYYY-MM-DD (default: the baseline)");
  whatif->add_option("--baseline", flags->baseline, "Baseline date (default today)");
  whatif->add_flag("--only", flags->only, "Only the named packs in the scenario");
  whatif->add_flag("--json", flags->json, "Machine-readable JSON");
  whatif->callback([report, flags, &options] { report(WhatIf(*flags, options)); });
}

}  // namespace straits::cli

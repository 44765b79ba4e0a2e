// `straits usage meter`: turns the lease service's scheduled, active and
// finished leases into usage records up to a time (metering/lease_meter.h),
// so that `straits invoices generate` rates them with the leases' terms.
// `straits serve` does the same on a timer (--meter-every).
#include <cstdio>

#include "billing/json_writer.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "core/clock.h"
#include "metering/periodic_meter.h"

namespace straits::cli {
namespace {

struct MeterFlags {
  std::string until;
  std::string from;
  bool json = false;
};

Result<std::optional<Instant>> OptionalTime(const std::string& text, const std::string& flag) {
  if (text.empty()) return std::optional<Instant>();
  Result<Instant> t = Instant::Parse(text);
  if (!t.ok()) return InvalidArgument(t.status().message(), flag);
  return std::optional<Instant>(*t);
}

Status Meter(const GlobalOptions& options, const MeterFlags& flags) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> until, OptionalTime(flags.until, "--until"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> from, OptionalTime(flags.from, "--from"));
  const Instant now = SystemClock().Now();
  if (until && now < *until) {
    return InvalidArgument(until->ToString() + " is in the future (now " + now.ToString() +
                               "): usage is metered only for time that has passed",
                           "--until");
  }
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> fleet, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<metering::MeteringRuntime> runtime,
                           metering::MeteringRuntime::Open(options.db_path, *fleet));
  STRAITS_ASSIGN_OR_RETURN(metering::MeterRun run, runtime->meter().Run(until.value_or(now), from));
  if (flags.json) {
    billing::JsonWriter w;
    w.BeginObject()
        .Key("from")
        .String(run.from.ToString())
        .Key("until")
        .String(run.until.ToString())
        .Key("leases")
        .Int(run.leases)
        .Key("records")
        .Int(run.records)
        .Key("added")
        .Int(run.added)
        .Key("duplicates")
        .Int(run.duplicates)
        .Key("conflicts")
        .BeginArray();
    for (const std::string& conflict : run.conflicts) w.String(conflict);
    w.EndArray().EndObject();
    std::printf("%s\n", w.str().c_str());
    return Status::Ok();
  }
  std::printf("metered %s .. %s: %lld usage records of %lld leases (%lld new, %lld already held)\n",
              run.from.ToString().c_str(), run.until.ToString().c_str(),
              static_cast<long long>(run.records), static_cast<long long>(run.leases),
              static_cast<long long>(run.added), static_cast<long long>(run.duplicates));
  for (const std::string& conflict : run.conflicts) {
    std::printf("  not metered (usage reported from elsewhere): %s\n", conflict.c_str());
  }
  return Status::Ok();
}

}  // namespace

void RegisterUsageCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  CLI::App* usage = app.add_subcommand("usage", "Usage records of leases");
  usage->require_subcommand(1);
  auto flags = std::make_shared<MeterFlags>();
  CLI::App* meter = usage->add_subcommand(
      "meter",
      "Meter scheduled, active and finished leases into hourly usage records up to a time "
      "(default now, rounded down to the hour), from where the last run stopped; idempotent");
  meter->add_option("--until", flags->until, "Meter up to this time (ISO 8601 UTC, not future)");
  meter->add_option("--from", flags->from,
                    "Re-meter from this time instead of the last run's end (records already "
                    "held are skipped)");
  meter->add_flag("--json", flags->json, "Machine-readable JSON");
  meter->callback([&options, &exit_code, flags] {
    Status s = Meter(options, *flags);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

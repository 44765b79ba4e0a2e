// `straits backend configure|status|apply|poll|reconcile`: the execution side.
//
// Sites run on Slurm when the fleet file says so ([[site_backend]], see
// docs/slurm.md); `configure` stores that in the database. `apply` is one pass
// of the loop `straits serve` runs: leases not yet on their cluster are
// applied, ended ones released, failures left `pending` and retried with
// backoff. `status` shows where each lease stands.
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "backend/backend_loop.h"
#include "backend/backend_store.h"
#include "backend/dispatcher.h"
#include "backend/site_config.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "fleet/fleet_file.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::cli {
namespace {

namespace json = boost::json;

struct BackendRuntime {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<lease_store::LeaseStore> leases;
  std::unique_ptr<backend::BackendStore> backends;
  backend::PosixEnv env;
  SystemClock clock;
  std::unique_ptr<backend::Dispatcher> dispatcher;
};

Result<std::unique_ptr<BackendRuntime>> OpenBackend(const GlobalOptions& options,
                                                    backend::DispatcherOptions dispatch = {}) {
  auto rt = std::make_unique<BackendRuntime>();
  STRAITS_ASSIGN_OR_RETURN(rt->store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(rt->leases,
                           lease_store::OpenSqliteLeaseStore(options.db_path, {.connections = 2}));
  STRAITS_ASSIGN_OR_RETURN(rt->backends, backend::BackendStore::Open(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(
      rt->dispatcher,
      backend::Dispatcher::Create(*rt->backends, *rt->leases, rt->env, rt->clock, dispatch));
  return rt;
}

Status Configure(const GlobalOptions& options, const std::string& path) {
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  STRAITS_ASSIGN_OR_RETURN(fleet::Fleet fleet, fleet::ParseFleetToml(text, path));
  STRAITS_ASSIGN_OR_RETURN(auto sites, backend::SlurmSitesOf(fleet, path));
  STRAITS_ASSIGN_OR_RETURN(auto backends, backend::BackendStore::Open(options.db_path));
  STRAITS_RETURN_IF_ERROR(backends->SaveSites(sites));
  std::printf("%zu Slurm site(s) configured; other sites use the sim backend\n", sites.size());
  return Status::Ok();
}

json::object StateToJson(const backend::LeaseBackendState& s) {
  return {{"lease", s.lease.str()},
          {"site", s.site.str()},
          {"backend", s.status},
          {"attempts", s.attempts},
          {"next_attempt", s.attempts > 0 ? json::value(s.next_attempt.ToString()) : nullptr},
          {"last_error", s.last_error},
          {"applied_version", s.applied_version},
          {"updated_at", s.updated_at.ToString()}};
}

Status ShowStatus(const GlobalOptions& options, bool as_json) {
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(auto backends, backend::BackendStore::Open(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(auto states, backends->List());
  if (as_json) {
    json::array out;
    for (const auto& s : states) out.push_back(StateToJson(s));
    std::printf("%s\n", json::serialize(out).c_str());
    return Status::Ok();
  }
  Table table({"LEASE", "SITE", "BACKEND", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"});
  for (const auto& s : states) {
    table.AddRow({s.lease.str(), s.site.str(), s.status, std::to_string(s.attempts),
                  s.attempts > 0 ? s.next_attempt.ToString() : "-",
                  s.last_error.empty() ? "-" : s.last_error});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status Apply(const GlobalOptions& options, bool as_json) {
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenBackend(options));
  STRAITS_ASSIGN_OR_RETURN(backend::PassReport r, rt->dispatcher->RunOnce());
  if (as_json) {
    json::object out{{"applied", r.applied}, {"released", r.released}, {"pending", r.failed}};
    std::printf("%s\n", json::serialize(out).c_str());
  } else {
    std::printf("applied %d, released %d, left pending %d\n", r.applied, r.released, r.failed);
  }
  return Status::Ok();
}

std::atomic<bool> stop_requested{false};

// Errors go to stderr; the loop goes on (failed leases stay pending and are
// retried with backoff).
void PrintLoopEvent(const backend::LoopEvent& e) {
  std::string line = backend::LoopEventLine(e);
  if (line.empty()) return;
  std::fprintf(e.status.ok() ? stdout : stderr, "%s\n", line.c_str());
  std::fflush(e.status.ok() ? stdout : stderr);
}

// The loop `straits serve` runs beside the API, in the foreground: one
// dispatcher pass every `every` seconds and a usage poll every `poll_every`
// seconds, until SIGINT or SIGTERM.
Status RunLoop(const GlobalOptions& options, int every, int poll_every) {
  if (every < 1) return InvalidArgument("must be at least 1", "--every");
  if (poll_every < 0) return InvalidArgument("must be 0 (never) or more", "--poll-every");
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  SystemClock clock;
  std::signal(SIGINT, [](int) { stop_requested = true; });
  std::signal(SIGTERM, [](int) { stop_requested = true; });
  backend::BackendLoopOptions loop_options;
  loop_options.every = Duration::Seconds(every);
  loop_options.poll_every = Duration::Seconds(poll_every);
  std::printf("straits: applying leases every %d s (usage every %d s); Ctrl-C to stop\n", every,
              poll_every);
  std::fflush(stdout);
  STRAITS_ASSIGN_OR_RETURN(auto loop, backend::BackendLoop::Start(options.db_path, *store, clock,
                                                                  loop_options, PrintLoopEvent));
  while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  loop.reset();
  return Status::Ok();
}

Status Poll(const GlobalOptions& options, const std::string& since_text, int grace, bool as_json) {
  if (grace < 0) return InvalidArgument("must be 0 or more seconds", "--grace");
  backend::DispatcherOptions dispatch;
  dispatch.poll_grace = Duration::Seconds(grace);
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenBackend(options, dispatch));
  Instant since = rt->clock.Now() - Duration::Days(7);
  if (!since_text.empty()) {
    Result<Instant> parsed = Instant::Parse(since_text);
    if (!parsed.ok()) return InvalidArgument(parsed.status().message(), "--since");
    since = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(auto billing, billing_store::OpenSqliteBillingStore(options.db_path));
  billing_store::BillingService service(*rt->store, *billing);
  STRAITS_ASSIGN_OR_RETURN(backend::UsageReport r, rt->dispatcher->PollUsage(since, &service));
  if (as_json) {
    json::object out{{"samples", r.samples},           {"recorded", r.recorded},
                     {"refused", r.refused},           {"running", r.running},
                     {"idle_records", r.idle_records}, {"idle_gpu_seconds", r.idle_gpu_seconds},
                     {"idle_refused", r.idle_refused}};
    std::printf("%s\n", json::serialize(out).c_str());
  } else {
    std::printf("%d usage samples, %d new recorded, %d refused by billing, %d jobs running\n",
                r.samples, r.recorded, r.refused, r.running);
    std::printf("reserved, idle: %d new records, %lld GPU-seconds, %d refused by billing\n",
                r.idle_records, static_cast<long long>(r.idle_gpu_seconds), r.idle_refused);
  }
  return Status::Ok();
}

Status Reconcile(const GlobalOptions& options, const std::string& site_text, bool fix, bool as_json,
                 int& exit_code) {
  std::optional<SiteId> site;
  if (!site_text.empty()) {
    Result<SiteId> parsed = SiteId::Parse(site_text);
    if (!parsed.ok()) return InvalidArgument(parsed.status().message(), "--site");
    site = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenBackend(options));
  STRAITS_ASSIGN_OR_RETURN(auto drifts, rt->dispatcher->Reconcile(site, fix));
  bool unfixed = false;
  for (const auto& [s, d] : drifts) unfixed = unfixed || !d.fixed;
  if (as_json) {
    json::array out;
    for (const auto& [s, d] : drifts) {
      out.push_back({{"site", s.str()},
                     {"kind", backend::DriftKindName(d.kind)},
                     {"object", d.object},
                     {"lease", d.lease ? json::value(d.lease->str()) : nullptr},
                     {"detail", d.detail},
                     {"fixed", d.fixed}});
    }
    std::printf("%s\n", json::serialize(out).c_str());
  } else if (drifts.empty()) {
    std::printf("no drift: every lease matches its cluster\n");
  } else {
    Table table({"SITE", "KIND", "OBJECT", "DETAIL", "FIXED"});
    for (const auto& [s, d] : drifts) {
      table.AddRow({s.str(), std::string(backend::DriftKindName(d.kind)), d.object, d.detail,
                    d.fixed ? "yes" : "no"});
    }
    table.Print(stdout);
  }
  // Drift left in place is a finding scripts can act on.
  exit_code = unfixed ? kExitFailure : kExitOk;
  return Status::Ok();
}

}  // namespace

void RegisterBackendCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  CLI::App* group = app.add_subcommand(
      "backend", "Execution backends: Slurm site configuration, applying leases, usage, drift");
  group->require_subcommand(1);

  auto path = std::make_shared<std::string>();
  CLI::App* configure = group->add_subcommand(
      "configure", "Store the [[site_backend]] tables of a fleet file (which sites run on Slurm)");
  configure->add_option("FILE", *path, "Fleet file (TOML)")->required();
  configure->callback([&options, report, path] { report(Configure(options, *path)); });

  auto status_json = std::make_shared<bool>(false);
  CLI::App* status = group->add_subcommand(
      "status", "Where each lease stands on its site's backend (applied, pending, released)");
  status->add_flag("--json", *status_json, "Machine-readable JSON");
  status->callback([&options, report, status_json] { report(ShowStatus(options, *status_json)); });

  auto apply_json = std::make_shared<bool>(false);
  CLI::App* apply = group->add_subcommand(
      "apply", "One pass: apply scheduled leases to their clusters, release ended ones");
  apply->add_flag("--json", *apply_json, "Machine-readable JSON");
  apply->callback([&options, report, apply_json] { report(Apply(options, *apply_json)); });

  auto every = std::make_shared<int>(5);
  auto poll_every = std::make_shared<int>(60);
  CLI::App* run = group->add_subcommand(
      "run", "Keep applying leases (and polling usage) until stopped: the backend loop");
  run->add_option("--every", *every, "Seconds between passes")->capture_default_str();
  run->add_option("--poll-every", *poll_every, "Seconds between usage polls (0: never)")
      ->capture_default_str();
  run->callback(
      [&options, report, every, poll_every] { report(RunLoop(options, *every, *poll_every)); });

  auto since = std::make_shared<std::string>();
  auto poll_json = std::make_shared<bool>(false);
  CLI::App* poll = group->add_subcommand(
      "poll", "Read finished jobs from sacct and record their GPU time as usage records");
  poll->add_option("--since", *since, "Jobs ended at or after (ISO 8601; default 7 days ago)");
  auto grace = std::make_shared<int>(60);
  poll->add_option("--grace", *grace,
                   "Seconds before now up to which reserved-but-idle time is closed")
      ->capture_default_str();
  poll->add_flag("--json", *poll_json, "Machine-readable JSON");
  poll->callback([&options, report, since, grace, poll_json] {
    report(Poll(options, *since, *grace, *poll_json));
  });

  auto site = std::make_shared<std::string>();
  auto fix = std::make_shared<bool>(false);
  auto reconcile_json = std::make_shared<bool>(false);
  CLI::App* reconcile = group->add_subcommand(
      "reconcile",
      "Compare leases with the clusters' reservations and accounts (missing, extra, mismatched); "
      "exit 1 when drift remains");
  reconcile->add_option("--site", *site, "Only this site");
  reconcile->add_flag("--fix", *fix, "Repair what differs");
  reconcile->add_flag("--json", *reconcile_json, "Machine-readable JSON");
  reconcile->callback([&options, &exit_code, site, fix, reconcile_json] {
    int code = kExitOk;
    Status s = Reconcile(options, *site, *fix, *reconcile_json, code);
    exit_code = s.ok() ? code : ReportError(s);
  });
}

}  // namespace straits::cli

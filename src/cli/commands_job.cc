// `straits job submit|list|cancel`: jobs inside a lease on a Slurm site.
//
//   straits job submit --lease lease-000042 --gpus 4 -- python train.py --lr 0.1
//
// The command after `--` is passed to the job as its argv, never through a
// shell. Straits refuses a job before Slurm sees it when the lease is not
// scheduled or active, has ended, holds fewer GPUs than asked, or would be
// outlived by the job's time limit; the job runs in the lease's reservation
// and account. `--tenant` acts as that tenant: other tenants' leases are not
// found.
#include <boost/json.hpp>
#include <cstdio>

#include "backend/backend_store.h"
#include "backend/dispatcher.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::cli {
namespace {

namespace json = boost::json;

struct JobFlags {
  std::string lease;
  std::string tenant;
  int64_t gpus = 1;
  std::string time;
  std::string name;
  std::vector<std::string> command;
  std::string job;
  bool json = false;
};

struct JobRuntime {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<lease_store::LeaseStore> leases;
  std::unique_ptr<backend::BackendStore> backends;
  backend::PosixEnv env;
  SystemClock clock;
  std::unique_ptr<backend::Dispatcher> dispatcher;
  lease::Lease lease;
};

Result<std::unique_ptr<JobRuntime>> Open(const GlobalOptions& options, const JobFlags& f) {
  auto rt = std::make_unique<JobRuntime>();
  Result<LeaseId> id = LeaseId::Parse(f.lease);
  if (!id.ok()) return InvalidArgument(id.status().message(), "--lease");
  STRAITS_ASSIGN_OR_RETURN(rt->store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(rt->leases,
                           lease_store::OpenSqliteLeaseStore(options.db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(rt->backends, backend::BackendStore::Open(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(
      rt->dispatcher, backend::Dispatcher::Create(*rt->backends, *rt->leases, rt->env, rt->clock));
  STRAITS_ASSIGN_OR_RETURN(rt->lease, rt->leases->GetLease(*id));
  // A tenant sees only its own leases; another's is as good as absent.
  if (!f.tenant.empty() && rt->lease.spec.tenant.str() != f.tenant) {
    return NotFound("no lease " + f.lease, "--lease");
  }
  return rt;
}

Status Submit(const GlobalOptions& options, const JobFlags& f) {
  if (f.command.empty()) return InvalidArgument("give the job's command after --", "command");
  STRAITS_ASSIGN_OR_RETURN(auto rt, Open(options, f));
  backend::JobRequest job;
  job.gpus = f.gpus;
  job.command = f.command;
  job.name = f.name;
  if (!f.time.empty()) {
    Result<Duration> limit = Duration::Parse(f.time);
    if (!limit.ok()) return InvalidArgument(limit.status().message(), "--time");
    job.time_limit = *limit;
  }
  STRAITS_ASSIGN_OR_RETURN(std::string id, rt->dispatcher->SubmitJob(rt->lease, job));
  if (f.json) {
    std::printf("%s\n", json::serialize(json::object{{"job", id}, {"lease", f.lease}}).c_str());
  } else {
    std::printf("job %s submitted in %s\n", id.c_str(), f.lease.c_str());
  }
  return Status::Ok();
}

Status List(const GlobalOptions& options, const JobFlags& f) {
  STRAITS_ASSIGN_OR_RETURN(auto rt, Open(options, f));
  STRAITS_ASSIGN_OR_RETURN(auto jobs, rt->dispatcher->ListJobs(rt->lease));
  auto time = [](const std::optional<Instant>& t) { return t ? t->ToString() : std::string("-"); };
  if (f.json) {
    json::array out;
    for (const backend::JobInfo& j : jobs) {
      json::array nodes;
      for (const std::string& n : j.nodes) nodes.push_back(json::value(n));
      out.push_back({{"job", j.id},
                     {"name", j.name},
                     {"state", j.state},
                     {"gpus", j.gpus},
                     {"start", j.start ? json::value(j.start->ToString()) : nullptr},
                     {"end", j.end ? json::value(j.end->ToString()) : nullptr},
                     {"nodes", nodes}});
    }
    std::printf("%s\n", json::serialize(out).c_str());
    return Status::Ok();
  }
  Table table({"JOB", "NAME", "STATE", "GPUS", "START", "END", "NODES"});
  for (const backend::JobInfo& j : jobs) {
    std::string nodes;
    for (const std::string& n : j.nodes) nodes += (nodes.empty() ? "" : ",") + n;
    table.AddRow({j.id, j.name, j.state, std::to_string(j.gpus), time(j.start), time(j.end),
                  nodes.empty() ? "-" : nodes});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status Cancel(const GlobalOptions& options, const JobFlags& f) {
  STRAITS_ASSIGN_OR_RETURN(auto rt, Open(options, f));
  STRAITS_RETURN_IF_ERROR(rt->dispatcher->CancelJob(rt->lease, f.job));
  std::printf("job %s cancelled\n", f.job.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterJobCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  CLI::App* group = app.add_subcommand("job", "Jobs inside a lease on a Slurm site");
  group->require_subcommand(1);

  auto sf = std::make_shared<JobFlags>();
  CLI::App* submit = group->add_subcommand(
      "submit", "Submit a job into a lease's reservation: straits job submit --lease ID -- CMD...");
  submit->add_option("--lease", sf->lease, "Lease id")->required();
  submit->add_option("--tenant", sf->tenant, "Act as this tenant (only its leases)");
  submit->add_option("--gpus", sf->gpus, "GPUs for the job (default 1)");
  submit->add_option("--time", sf->time,
                     "Time limit, e.g. 30m, 2h (default: until the lease ends)");
  submit->add_option("--name", sf->name, "Job name (default: the program's name)");
  submit->add_flag("--json", sf->json, "Machine-readable JSON");
  submit->add_option("command", sf->command, "The job's command and arguments, after --");
  submit->callback([&options, report, sf] { report(Submit(options, *sf)); });

  auto lf = std::make_shared<JobFlags>();
  CLI::App* list = group->add_subcommand("list", "Jobs of a lease (queued, running, finished)");
  list->add_option("--lease", lf->lease, "Lease id")->required();
  list->add_option("--tenant", lf->tenant, "Act as this tenant (only its leases)");
  list->add_flag("--json", lf->json, "Machine-readable JSON");
  list->callback([&options, report, lf] { report(List(options, *lf)); });

  auto cf = std::make_shared<JobFlags>();
  CLI::App* cancel = group->add_subcommand("cancel", "Cancel a queued or running job of a lease");
  cancel->add_option("--lease", cf->lease, "Lease id")->required();
  cancel->add_option("--tenant", cf->tenant, "Act as this tenant (only its leases)");
  cancel->add_option("JOB", cf->job, "Job id")->required();
  cancel->callback([&options, report, cf] { report(Cancel(options, *cf)); });
}

}  // namespace straits::cli

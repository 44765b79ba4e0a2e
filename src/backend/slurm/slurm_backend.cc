#include "backend/slurm/slurm_backend.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace straits::backend::slurm {
namespace {

// Job states after which sacct's figures no longer change.
bool IsFinal(std::string_view state) {
  static constexpr std::string_view kFinal[] = {"COMPLETED", "FAILED",    "TIMEOUT",
                                                "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
                                                "PREEMPTED", "BOOT_FAIL", "DEADLINE"};
  // sacct prints "CANCELLED by 0".
  std::string_view head = state.substr(0, state.find(' '));
  return std::find(std::begin(kFinal), std::end(kFinal), head) != std::end(kFinal);
}

// Holding its GPUs but not finished: counted as busy by the reserved-time
// computation, billed as usage once it is final.
bool IsRunning(std::string_view state) {
  static constexpr std::string_view kRunning[] = {"RUNNING", "COMPLETING", "SUSPENDED", "STOPPED"};
  std::string_view head = state.substr(0, state.find(' '));
  return std::find(std::begin(kRunning), std::end(kRunning), head) != std::end(kRunning);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string FirstLine(std::string_view text) {
  size_t begin = text.find_first_not_of(" \n");
  if (begin == std::string_view::npos) return "";
  text = text.substr(begin);
  return std::string(text.substr(0, text.find('\n')));
}

constexpr std::string_view kJobScript =
    "#!/bin/sh\n"
    "# Written by Straits: runs the job's argv exactly as submitted (no shell parsing).\n"
    "exec \"$@\"\n";

}  // namespace

Status SlurmCommandError(const std::vector<std::string>& argv, const ProcessResult& result) {
  std::string message = FirstLine(result.err);
  if (message.empty()) message = FirstLine(result.out);
  static constexpr std::string_view kUnreachable[] = {"Unable to contact slurm controller",
                                                      "Unexpected message received",
                                                      "can't be reached",
                                                      "persistent connection",
                                                      "Connection refused",
                                                      "problem talking to the database",
                                                      "Socket timed out",
                                                      "Zero Bytes were transmitted"};
  std::string what = (argv.empty() ? std::string("slurm") : argv[0]) + ": " + message;
  for (std::string_view marker : kUnreachable) {
    if (message.find(marker) != std::string::npos) return Unavailable(what);
  }
  return FailedPrecondition(what);
}

SlurmBackend::SlurmBackend(Env& env, SlurmSiteConfig config)
    : env_(env), config_(std::move(config)) {}

std::string SlurmBackend::AccountFor(const LeaseId& lease) const {
  return Lower(config_.name_prefix + lease.str());
}

std::string SlurmBackend::ParentAccountFor(const OrgId& tenant) const {
  return Lower(config_.name_prefix + tenant.str());
}

std::string SlurmBackend::SlurmNode(const NodeId& node) const {
  auto it = config_.nodes.find(node.str());
  return it == config_.nodes.end() ? node.str() : it->second;
}

std::string SlurmBackend::StraitsNode(const std::string& slurm_node) const {
  for (const auto& [straits, slurm] : config_.nodes) {
    if (slurm == slurm_node) return straits;
  }
  return slurm_node;
}

std::vector<std::string> SlurmBackend::SlurmNodesOf(const LeaseTarget& target) const {
  std::vector<std::string> nodes;
  for (const lease::NodeAllocation& a : target.nodes) nodes.push_back(SlurmNode(a.node));
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

Result<ProcessResult> SlurmBackend::Run(std::vector<std::string> argv, bool allow_failure) {
  ProcessSpec spec;
  spec.env = config_.env;
  spec.env["TZ"] = "UTC";
  if (!config_.slurm_conf.empty()) spec.env["SLURM_CONF"] = config_.slurm_conf;
  spec.argv = std::move(argv);
  STRAITS_ASSIGN_OR_RETURN(ProcessResult result, env_.Run(spec));
  if (!result.ok() && !allow_failure) return SlurmCommandError(spec.argv, result);
  return result;
}

Status SlurmBackend::EnsureAccount(const std::string& account, const std::string& parent,
                                   std::optional<int64_t> gpu_limit) {
  STRAITS_ASSIGN_OR_RETURN(
      ProcessResult listed,
      Run({"sacctmgr", "-n", "-P", "list", "association", "where", "cluster=" + config_.cluster,
           "account=" + account, "format=account,user,grptres"}));
  bool account_row = false;
  bool user_row = false;
  std::string grp_tres;
  for (const std::vector<std::string>& row : ParseParsable(listed.out)) {
    if (row.size() < 3 || row[0] != account) continue;
    if (row[1].empty()) {
      account_row = true;
      grp_tres = row[2];
    } else if (row[1] == config_.user) {
      user_row = true;
    }
  }
  std::string limit = gpu_limit ? "GrpTRES=gres/gpu=" + std::to_string(*gpu_limit) : "";
  if (!account_row) {
    std::vector<std::string> argv = {"sacctmgr", "-i",    "add",
                                     "account",  account, "cluster=" + config_.cluster};
    if (!parent.empty()) argv.push_back("parent=" + parent);
    if (!limit.empty()) argv.push_back(limit);
    STRAITS_RETURN_IF_ERROR(Run(std::move(argv)).status());
  } else if (gpu_limit && TresCount(grp_tres, "gres/gpu") != *gpu_limit) {
    STRAITS_RETURN_IF_ERROR(Run({"sacctmgr", "-i", "modify", "account", "where", "name=" + account,
                                 "cluster=" + config_.cluster, "set", limit})
                                .status());
  }
  if (!user_row && gpu_limit) {  // only lease accounts take jobs
    STRAITS_RETURN_IF_ERROR(Run({"sacctmgr", "-i", "add", "user", config_.user,
                                 "account=" + account, "cluster=" + config_.cluster})
                                .status());
  }
  return Status::Ok();
}

Result<std::optional<ReservationInfo>> SlurmBackend::FindReservation(const LeaseId& lease) {
  std::string name = ReservationFor(lease);
  STRAITS_ASSIGN_OR_RETURN(ProcessResult shown,
                           Run({"scontrol", "-o", "show", "reservation", name}, true));
  if (!shown.ok()) {
    if (shown.out.find("not found") != std::string::npos) return std::optional<ReservationInfo>();
    return SlurmCommandError({"scontrol"}, shown);
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<ReservationInfo> all, ParseReservations(shown.out));
  for (ReservationInfo& info : all) {
    if (info.name == name) return std::optional<ReservationInfo>(std::move(info));
  }
  return std::optional<ReservationInfo>();
}

std::string SlurmBackend::Differences(const ReservationInfo& have, const LeaseTarget& target,
                                      Instant now) const {
  std::vector<std::string> diffs;
  std::vector<std::string> want_nodes = SlurmNodesOf(target);
  if (have.nodes != want_nodes) {
    diffs.push_back("nodes: want " + Join(want_nodes, ',') + ", have " + Join(have.nodes, ','));
  }
  // A lease that has started is reserved from when it was applied; only a
  // reservation that starts later than the lease is wrong then.
  bool start_ok = target.start > now ? have.start == target.start : have.start <= now;
  if (!start_ok) {
    diffs.push_back("start: want " + target.start.ToString() + ", have " + have.start.ToString());
  }
  if (have.end != target.end) {
    diffs.push_back("end: want " + target.end.ToString() + ", have " + have.end.ToString());
  }
  std::vector<std::string> want_accounts = {AccountFor(target.lease)};
  if (have.accounts != want_accounts) {
    diffs.push_back("accounts: want " + want_accounts[0] + ", have " + Join(have.accounts, ','));
  }
  return Join(diffs, ';');
}

Status SlurmBackend::EnsureReservation(const LeaseTarget& target, Instant now) {
  std::string name = ReservationFor(target.lease);
  STRAITS_ASSIGN_OR_RETURN(std::optional<ReservationInfo> have, FindReservation(target.lease));
  std::string start = target.start > now ? FormatSlurmTime(target.start) : "now";
  std::string nodes = Join(SlurmNodesOf(target), ',');
  std::string account = AccountFor(target.lease);
  if (!have) {
    return Run({"scontrol", "create", "reservation", "ReservationName=" + name,
                "StartTime=" + start, "EndTime=" + FormatSlurmTime(target.end), "Nodes=" + nodes,
                "Accounts=" + account, "Flags=OVERLAP,IGNORE_JOBS"})
        .status();
  }
  if (Differences(*have, target, now).empty()) return Status::Ok();
  std::vector<std::string> argv = {"scontrol", "update", "ReservationName=" + name};
  if (have->end != target.end) argv.push_back("EndTime=" + FormatSlurmTime(target.end));
  bool start_ok = target.start > now ? have->start == target.start : have->start <= now;
  if (!start_ok) argv.push_back("StartTime=" + start);
  if (have->nodes != SlurmNodesOf(target)) argv.push_back("Nodes=" + nodes);
  if (have->accounts != std::vector<std::string>{account}) argv.push_back("Accounts=" + account);
  return Run(std::move(argv)).status();
}

Status SlurmBackend::Apply(const LeaseTarget& target, Instant now) {
  if (target.nodes.empty()) return InvalidArgument("lease has no nodes", "placement.allocations");
  if (target.end <= now) return Release(target.lease);
  STRAITS_RETURN_IF_ERROR(EnsureAccount(ParentAccountFor(target.tenant), "", std::nullopt));
  STRAITS_RETURN_IF_ERROR(
      EnsureAccount(AccountFor(target.lease), ParentAccountFor(target.tenant), target.gpus()));
  return EnsureReservation(target, now);
}

Status SlurmBackend::Release(const LeaseId& lease) {
  std::string account = AccountFor(lease);
  // Jobs first: deleting a reservation leaves its running jobs running.
  STRAITS_ASSIGN_OR_RETURN(ProcessResult cancelled, Run({"scancel", "--account=" + account}, true));
  if (!cancelled.ok() && cancelled.err.find("Invalid account") == std::string::npos) {
    STRAITS_RETURN_IF_ERROR(SlurmCommandError({"scancel"}, cancelled));
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<ReservationInfo> have, FindReservation(lease));
  if (!have) return Status::Ok();
  return Run({"scontrol", "delete", "ReservationName=" + ReservationFor(lease)}).status();
}

Result<std::string> SlurmBackend::SubmitJob(const LeaseTarget& target, const JobRequest& job) {
  if (job.command.empty()) return InvalidArgument("a job needs a command", "command");
  std::string script = config_.work_dir + "/straits-job.sh";
  STRAITS_RETURN_IF_ERROR(env_.WriteFile(script, std::string(kJobScript), 0755));
  int64_t minutes = std::max<int64_t>(1, (job.time_limit.seconds() + 59) / 60);
  std::string name = job.name.empty() ? job.command.front() : job.name;
  std::vector<std::string> argv = {"sbatch",
                                   "--parsable",
                                   "--reservation=" + ReservationFor(target.lease),
                                   "--account=" + AccountFor(target.lease),
                                   "--gpus=" + std::to_string(job.gpus),
                                   "--time=" + std::to_string(minutes),
                                   "--job-name=" + name,
                                   "--chdir=" + config_.work_dir,
                                   "--output=" + config_.work_dir + "/straits-%j.out",
                                   script};
  argv.insert(argv.end(), job.command.begin(), job.command.end());
  STRAITS_ASSIGN_OR_RETURN(ProcessResult submitted, Run(std::move(argv)));
  std::string id = FirstLine(submitted.out);
  id = id.substr(0, id.find(';'));  // "<id>;<cluster>" with -M
  if (id.empty() || !std::all_of(id.begin(), id.end(), ::isdigit)) {
    return Internal("sbatch printed no job id: " + FirstLine(submitted.out));
  }
  return id;
}

Result<std::vector<JobInfo>> SlurmBackend::ListJobs(const LeaseId& lease) {
  std::string account = AccountFor(lease);
  std::map<std::string, JobInfo> jobs;  // by id
  // Accounting first (finished jobs), then the controller's live view, which
  // is newer for jobs still queued or running (sacct lags behind).
  STRAITS_ASSIGN_OR_RETURN(
      ProcessResult accounted,
      Run({"sacct", "-n", "-P", "-X", "--accounts=" + account, "--starttime=2000-01-01T00:00:00",
           "--format=JobID,JobName,State,Start,End,NodeList,AllocTRES,ReqTRES"}));
  for (const std::vector<std::string>& row : ParseParsable(accounted.out)) {
    if (row.size() < 8) continue;
    JobInfo job;
    job.id = row[0];
    job.name = row[1];
    job.state = row[2].substr(0, row[2].find(' '));
    job.start = ParseSlurmTime(row[3]);
    job.end = ParseSlurmTime(row[4]);
    job.gpus = TresCount(row[6], "gres/gpu");
    if (job.gpus == 0) job.gpus = TresCount(row[7], "gres/gpu");
    if (row[5] != "None assigned") {
      Result<std::vector<std::string>> nodes = ExpandSlurmHostList(row[5]);
      if (nodes.ok()) {
        for (const std::string& n : *nodes) job.nodes.push_back(StraitsNode(n));
      }
    }
    jobs[job.id] = std::move(job);
  }
  STRAITS_ASSIGN_OR_RETURN(ProcessResult queued, Run({"squeue", "-h", "--accounts=" + account,
                                                      "--format=%i|%j|%T|%S|%e|%N"}));
  for (const std::vector<std::string>& row : ParseParsable(queued.out)) {
    if (row.size() < 6) continue;
    JobInfo& job = jobs[row[0]];
    job.id = row[0];
    job.name = row[1];
    job.state = row[2];
    job.start = ParseSlurmTime(row[3]);
    job.end = ParseSlurmTime(row[4]);
    if (!row[5].empty()) {
      job.nodes.clear();
      Result<std::vector<std::string>> nodes = ExpandSlurmHostList(row[5]);
      if (nodes.ok()) {
        for (const std::string& n : *nodes) job.nodes.push_back(StraitsNode(n));
      }
    }
  }
  std::vector<JobInfo> out;
  for (auto& [id, job] : jobs) out.push_back(std::move(job));
  std::sort(out.begin(), out.end(), [](const JobInfo& a, const JobInfo& b) {
    return a.id.size() != b.id.size() ? a.id.size() < b.id.size() : a.id < b.id;
  });
  return out;
}

Status SlurmBackend::CancelJob(const LeaseId& lease, const std::string& job_id) {
  if (job_id.empty() || !std::all_of(job_id.begin(), job_id.end(), ::isdigit)) {
    return InvalidArgument("job id must be a number, got \"" + job_id + "\"", "job");
  }
  STRAITS_ASSIGN_OR_RETURN(ProcessResult queued,
                           Run({"squeue", "-h", "--jobs=" + job_id, "--format=%a"}, true));
  std::string account = FirstLine(queued.out);
  if (!queued.ok() || account != AccountFor(lease)) {
    if (!queued.ok() && queued.err.find("Invalid job id") == std::string::npos) {
      return SlurmCommandError({"squeue"}, queued);
    }
    return NotFound("job " + job_id + " is not queued or running in lease " + lease.str());
  }
  return Run({"scancel", job_id}).status();
}

Result<std::vector<UsageSample>> SlurmBackend::PollUsage(std::span<const LeaseId> leases,
                                                         Instant since) {
  std::vector<UsageSample> samples;
  if (leases.empty()) return samples;
  std::map<std::string, LeaseId> lease_by_account;
  std::vector<std::string> accounts;
  for (const LeaseId& lease : leases) {
    lease_by_account.emplace(AccountFor(lease), lease);
    accounts.push_back(AccountFor(lease));
  }
  STRAITS_ASSIGN_OR_RETURN(
      ProcessResult accounted,
      Run({"sacct", "-n", "-P", "-X", "--allusers", "--accounts=" + Join(accounts, ','),
           "--starttime=" + FormatSlurmTime(since),
           "--format=JobID,Account,State,Start,End,NodeList,AllocTRES"}));
  for (const std::vector<std::string>& row : ParseParsable(accounted.out)) {
    if (row.size() < 7) continue;
    const bool running = IsRunning(row[2]);
    if (!running && !IsFinal(row[2])) continue;
    auto lease = lease_by_account.find(row[1]);
    std::optional<Instant> start = ParseSlurmTime(row[3]);
    std::optional<Instant> end = running ? start : ParseSlurmTime(row[4]);
    int64_t gpus = TresCount(row[6], "gres/gpu");
    if (lease == lease_by_account.end() || !start || !end || gpus <= 0) continue;
    if (!running && (*end <= *start || *end < since)) continue;
    Result<std::vector<std::string>> nodes = ExpandSlurmHostList(row[5]);
    if (!nodes.ok() || nodes->empty()) continue;
    // AllocTRES is the job's total; Slurm places GPUs evenly per node for the
    // jobs Straits submits, and any remainder goes to the first nodes.
    int64_t per_node = gpus / static_cast<int64_t>(nodes->size());
    int64_t remainder = gpus % static_cast<int64_t>(nodes->size());
    int64_t seconds = end->unix_seconds() - start->unix_seconds();
    for (size_t node_idx = 0; node_idx < nodes->size(); ++node_idx) {
      int64_t node_gpus = per_node + (static_cast<int64_t>(node_idx) < remainder ? 1 : 0);
      if (node_gpus == 0) continue;
      Result<NodeId> node = NodeId::Parse(StraitsNode((*nodes)[node_idx]));
      if (!node.ok()) continue;
      UsageSample sample;
      sample.series = config_.cluster + ":" + row[0] + ":alloc";
      sample.key = sample.series + ":" + (*nodes)[node_idx];
      sample.lease = lease->second;
      sample.node = *node;
      sample.start = *start;
      sample.end = *end;
      sample.gpu_seconds = node_gpus * seconds;
      sample.running = running;
      sample.gpus = node_gpus;
      samples.push_back(std::move(sample));
    }
  }
  return samples;
}

Result<std::vector<Drift>> SlurmBackend::Reconcile(std::span<const LeaseTarget> expected,
                                                   Instant now, bool fix) {
  STRAITS_ASSIGN_OR_RETURN(ProcessResult shown, Run({"scontrol", "-o", "show", "reservation"}));
  STRAITS_ASSIGN_OR_RETURN(std::vector<ReservationInfo> reservations, ParseReservations(shown.out));
  STRAITS_ASSIGN_OR_RETURN(ProcessResult associations,
                           Run({"sacctmgr", "-n", "-P", "list", "association", "where",
                                "cluster=" + config_.cluster, "format=account,user"}));
  std::set<std::string> accounts;
  for (const std::vector<std::string>& row : ParseParsable(associations.out)) {
    if (row.size() >= 2 && row[1].empty()) accounts.insert(row[0]);
  }
  std::map<std::string, const ReservationInfo*> by_name;
  for (const ReservationInfo& r : reservations) by_name[r.name] = &r;

  std::vector<Drift> drifts;
  std::set<std::string> wanted;
  for (const LeaseTarget& target : expected) {
    if (target.end <= now) continue;
    std::string name = ReservationFor(target.lease);
    wanted.insert(name);
    std::vector<Drift> found;
    if (accounts.count(AccountFor(target.lease)) == 0) {
      found.push_back({Drift::Kind::kMissing, "account " + AccountFor(target.lease), target.lease,
                       "no account under " + ParentAccountFor(target.tenant), false});
    }
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      found.push_back({Drift::Kind::kMissing, "reservation " + name, target.lease,
                       "no reservation on " + Join(SlurmNodesOf(target), ','), false});
    } else if (std::string diff = Differences(*it->second, target, now); !diff.empty()) {
      found.push_back({Drift::Kind::kMismatched, "reservation " + name, target.lease, diff, false});
    }
    if (!found.empty() && fix) {
      Status applied = Apply(target, now);
      for (Drift& d : found) {
        d.fixed = applied.ok();
        if (!applied.ok()) d.detail += " (fix failed: " + applied.message() + ")";
      }
    }
    drifts.insert(drifts.end(), found.begin(), found.end());
  }
  // Reservations named like ours that no lease explains.
  std::string prefix = Lower(config_.name_prefix + "lease-");
  for (const ReservationInfo& r : reservations) {
    if (r.name.rfind(prefix, 0) != 0 || wanted.count(r.name) != 0) continue;
    Drift extra{Drift::Kind::kExtra, "reservation " + r.name, std::nullopt,
                "on " + Join(r.nodes, ',') + " until " + r.end.ToString() +
                    ", no scheduled or active lease",
                false};
    if (fix) {
      Status deleted = Run({"scontrol", "delete", "ReservationName=" + r.name}).status();
      extra.fixed = deleted.ok();
      if (!deleted.ok()) extra.detail += " (fix failed: " + deleted.message() + ")";
    }
    drifts.push_back(std::move(extra));
  }
  return drifts;
}

}  // namespace straits::backend::slurm

// Straits on real Slurm, end to end through the `straits` binary: a fresh
// database with the fleet of tests/slurm/fleet.toml (two sites, on the test
// clusters sg1 and my1 that scripts/slurm-up starts), then what an operator
// and a tenant do. A lease becomes a reservation Slurm shows as asked; a job
// runs in it and its GPU time reaches an invoice; a lease at a cluster whose
// controller is down stays pending with the error until the controller is
// back; reconcile finds and repairs a reservation deleted behind Straits'
// back; `straits serve` applies and releases leases by itself.
//
// Every test names its reservations and accounts with its own prefix, so runs
// against long-lived daemons never meet, and releases what it created.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

#include "backend/env.h"
#include "backend/slurm/scontrol_parse.h"
#include "billing/period.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "subprocess.h"

namespace straits {
namespace {

namespace json = boost::json;
using testing_support::RunResult;

std::string Root() {
  const char* root = std::getenv("SLURM_TEST_ROOT");
  return root && *root ? root : "/tmp/straits-slurm";
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

json::value Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return ec ? json::value(nullptr) : v;
}

std::string Str(const json::value& v, const char* key) {
  const json::value* x = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return x && x->is_string() ? std::string(x->as_string()) : std::string();
}

bool WaitUntil(const std::function<bool()>& done, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  return done();
}

class SlurmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    static int run = 0;
    prefix_ = "c" + std::to_string(getpid()) + "x" + std::to_string(run++) + "-";
    dir_ = std::filesystem::path(::testing::TempDir()) / ("straits-slurm-cli-" + prefix_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "straits.db").string();
    std::string fleet = ReadText(std::string(STRAITS_SOURCE_DIR) + "/tests/slurm/fleet.toml");
    ASSERT_FALSE(fleet.empty());
    Replace(fleet, "@ROOT@", Root());
    Replace(fleet, "@PREFIX@", prefix_);
    const std::string fleet_path = (dir_ / "fleet.toml").string();
    std::ofstream(fleet_path) << fleet;

    ASSERT_EQ(Straits({"init", "--quiet"}).exit_code, 0);
    RunResult imported = Straits({"import", "fleet", fleet_path});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    RunResult configured = Straits({"backend", "configure", fleet_path});
    ASSERT_EQ(configured.exit_code, 0) << configured.err;
    EXPECT_NE(configured.out.find("2 Slurm site(s) configured"), std::string::npos);
  }

  void TearDown() override {
    // Reservations of leases still live are deleted directly (cancelling and
    // releasing them through Straits is checked above, and would cost seconds).
    for (const auto& [cluster, id] : live_) {
      Slurm(cluster, {"scontrol", "delete", "ReservationName=" + prefix_ + id});
    }
    std::filesystem::remove_all(dir_);
  }

  RunResult Straits(std::vector<std::string> args) {
    args.insert(args.begin(), {STRAITS_BINARY, "--db", db_});
    return testing_support::Run(args);
  }

  // Requests a lease of `gpus` GPUs starting now at `site`; returns its id.
  std::string RequestLease(const std::string& site, int gpus) {
    RunResult r =
        Straits({"lease", "request", "--tenant", "lumen-robotics", "--accelerator", "h100-sxm",
                 "--gpus", std::to_string(gpus), "--site", site, "--duration", "1h", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    json::value lease = Parse(r.out);
    EXPECT_EQ(Str(lease, "state"), "scheduled") << r.out;
    EXPECT_EQ(Str(lease, "verdict"), "allowed") << r.out;
    std::string id = Str(lease, "id");
    if (!id.empty()) live_.emplace_back(site == "sg-jurong-1" ? "sg1" : "my1", id);
    return id;
  }

  void Cancel(const std::string& id) {
    RunResult r = Straits({"lease", "cancel", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::erase_if(live_, [&id](const auto& live) { return live.second == id; });
  }

  json::object Apply() {
    RunResult r = Straits({"backend", "apply", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value v = Parse(r.out);
    return v.is_object() ? v.as_object() : json::object{};
  }

  // The backend status of `lease` (`backend status --json`).
  json::object BackendStatus(const std::string& lease) {
    RunResult r = Straits({"backend", "status", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value all = Parse(r.out);
    if (!all.is_array()) return {};
    for (const json::value& s : all.as_array()) {
      if (Str(s, "lease") == lease) return s.as_object();
    }
    return {};
  }

  backend::ProcessResult Slurm(const std::string& cluster, std::vector<std::string> argv) {
    backend::ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = {{"SLURM_CONF", Root() + "/" + cluster + "/slurm.conf"}, {"TZ", "UTC"}};
    spec.timeout_seconds = 120;
    Result<backend::ProcessResult> r = env_.Run(spec);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : backend::ProcessResult{};
  }

  // The reservation of `lease` on `cluster`, as scontrol shows it.
  std::optional<backend::slurm::ReservationInfo> Reservation(const std::string& cluster,
                                                             const std::string& lease) {
    backend::ProcessResult shown =
        Slurm(cluster, {"scontrol", "-o", "show", "reservation", prefix_ + lease});
    if (!shown.ok()) return std::nullopt;
    auto parsed = backend::slurm::ParseReservations(shown.out);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (!parsed.ok() || parsed->size() != 1) return std::nullopt;
    return parsed->front();
  }

  // The lease's placement from `lease show --json`.
  json::object Placement(const std::string& lease) {
    RunResult r = Straits({"lease", "show", lease, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json::value v = Parse(r.out);
    const json::value* p = v.is_object() ? v.as_object().if_contains("placement") : nullptr;
    return p && p->is_object() ? p->as_object() : json::object{};
  }

  std::string prefix_;
  std::filesystem::path dir_;
  std::string db_;
  std::vector<std::pair<std::string, std::string>> live_;  // cluster, lease
  backend::PosixEnv env_;
};

TEST_F(SlurmCli, ALeaseBecomesAReservationAndItsJobsGpuTimeIsInvoiced) {
  RunResult cards = Straits(
      {"import", "ratecards", std::string(STRAITS_SOURCE_DIR) + "/tests/slurm/ratecards.csv"});
  ASSERT_EQ(cards.exit_code, 0) << cards.err;
  const std::string lease = RequestLease("sg-jurong-1", 4);
  ASSERT_FALSE(lease.empty());
  json::object applied = Apply();
  EXPECT_EQ(applied["applied"].as_int64(), 1) << applied;
  EXPECT_EQ(Str(BackendStatus(lease), "backend"), "applied");

  // The reservation holds the placed node (mapped to its Slurm name) over the
  // lease's interval (from now, since it has started), for the lease's account.
  json::object placement = Placement(lease);
  const json::array& nodes = placement["nodes"].as_array();
  ASSERT_EQ(nodes.size(), 1u) << placement;
  std::optional<backend::slurm::ReservationInfo> resv = Reservation("sg1", lease);
  ASSERT_TRUE(resv.has_value());
  const std::string node = Str(nodes[0], "node");
  EXPECT_EQ(resv->nodes, std::vector<std::string>{node == "sgj1-h100-001" ? "sg1-n1" : "sg1-n2"});
  Instant start = *Instant::Parse(Str(placement, "start"));
  Instant end = *Instant::Parse(Str(placement, "end"));
  EXPECT_GE(resv->start, start);
  EXPECT_LE(resv->start, SystemClock().Now());
  EXPECT_EQ(resv->end, end);
  EXPECT_EQ(resv->accounts, std::vector<std::string>{prefix_ + lease});

  // A job over the lease's GPUs is refused before Slurm sees it.
  RunResult greedy = Straits({"job", "submit", "--lease", lease, "--gpus", "5", "--", "true"});
  EXPECT_EQ(greedy.exit_code, 2) << greedy.err;
  EXPECT_NE(greedy.err.find("gpus"), std::string::npos) << greedy.err;

  // Two jobs of the lease at the same time on its one node, 2 GPUs each. They
  // run long enough to overlap even when the second submission is slow on a
  // busy machine and Slurm starts it only at its next scheduling pass (every
  // 5 s, scripts/slurm-up).
  constexpr int64_t kJobSeconds = 15;
  std::vector<std::string> jobs;
  for (int n = 0; n < 2; ++n) {
    RunResult submitted = Straits({"job", "submit", "--lease", lease, "--gpus", "2", "--time", "1m",
                                   "--json", "--", "sleep", std::to_string(kJobSeconds)});
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    jobs.push_back(Str(Parse(submitted.out), "job"));
    ASSERT_FALSE(jobs.back().empty()) << submitted.out;
  }

  std::map<std::string, json::object> finished;
  ASSERT_TRUE(WaitUntil(
      [&] {
        RunResult listed = Straits({"job", "list", "--lease", lease, "--json"});
        json::value listed_jobs = Parse(listed.out);
        if (!listed_jobs.is_array()) return false;
        for (const json::value& j : listed_jobs.as_array()) {
          std::string state = Str(j, "state");
          if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED") {
            finished[Str(j, "job")] = j.as_object();
          }
        }
        return finished.count(jobs[0]) == 1 && finished.count(jobs[1]) == 1;
      },
      60));
  int64_t gpu_seconds = 0;
  std::vector<std::pair<Instant, Instant>> ran;
  for (const std::string& job : jobs) {
    json::object& f = finished[job];
    ASSERT_EQ(Str(f, "state"), "COMPLETED") << f;
    EXPECT_EQ(f["gpus"].as_int64(), 2);
    ran.emplace_back(*Instant::Parse(Str(f, "start")), *Instant::Parse(Str(f, "end")));
    EXPECT_GE((ran.back().second - ran.back().first).seconds(), kJobSeconds);
    gpu_seconds += 2 * (ran.back().second - ran.back().first).seconds();
  }
  // They ran at the same time (the ledger used to keep only the first).
  EXPECT_LT(ran[1].first, ran[0].second);
  EXPECT_LT(ran[0].first, ran[1].second);
  const Instant job_start = std::min(ran[0].first, ran[1].first);

  // sacct catches up asynchronously: poll until both jobs' samples are recorded.
  json::object polled;
  int64_t recorded = 0;
  int64_t idle = 0;  // reserved time closed by the polls (none unless an hour passed)
  ASSERT_TRUE(WaitUntil(
      [&] {
        RunResult r = Straits({"backend", "poll", "--json"});
        json::value v = Parse(r.out);
        if (r.exit_code != 0 || !v.is_object()) return false;
        polled = v.as_object();
        EXPECT_EQ(polled["refused"].as_int64(), 0) << polled;
        recorded += polled["recorded"].as_int64();
        idle += polled["idle_gpu_seconds"].as_int64();
        return recorded >= 2;
      },
      30))
      << polled;
  EXPECT_EQ(recorded, 2) << polled;
  RunResult again = Straits({"backend", "poll", "--json"});
  EXPECT_NE(again.out.find("\"recorded\":0"), std::string::npos) << again.out;
  idle += Parse(again.out).as_object()["idle_gpu_seconds"].as_int64();

  // Cancelled after its start, the lease held its GPUs until then: the time no
  // job used is billed as reserved time once a poll has seen past it (no
  // grace: the jobs are known).
  Cancel(lease);
  RunResult closing = Straits({"backend", "poll", "--grace", "0", "--json"});
  ASSERT_EQ(closing.exit_code, 0) << closing.err;
  json::object closed = Parse(closing.out).as_object();
  EXPECT_EQ(closed["idle_refused"].as_int64(), 0) << closed;
  idle += closed["idle_gpu_seconds"].as_int64();
  RunResult shown_lease = Straits({"lease", "show", lease, "--json"});
  const Instant ended = *Instant::Parse(Str(Parse(shown_lease.out), "updated_at"));
  const int64_t reserved = 4 * (std::min(end, ended) - start).seconds();
  EXPECT_GT(idle, 0);
  EXPECT_EQ(gpu_seconds + idle, reserved) << closed;
  RunResult closing_again = Straits({"backend", "poll", "--grace", "0", "--json"});
  EXPECT_NE(closing_again.out.find("\"idle_records\":0"), std::string::npos) << closing_again.out;

  // The month is invoiced once it is over: rate it as of the next month's
  // first day, then read the invoice through the CLI.
  const billing::Month month = billing::Month::Of(job_start);
  {
    auto fleet = store::OpenSqliteStore(db_, {.connections = 1});
    ASSERT_TRUE(fleet.ok()) << fleet.status();
    auto billing_store = billing_store::OpenSqliteBillingStore(db_);
    ASSERT_TRUE(billing_store.ok()) << billing_store.status();
    billing_store::BillingService service(**fleet, **billing_store);
    auto generated = service.GenerateInvoices(month, month.End(), {});
    ASSERT_TRUE(generated.ok()) << generated.status();
    ASSERT_EQ(generated->issued.size(), 1u);
  }
  RunResult invoices = Straits({"invoices", "list", "--json", "--period", month.ToString()});
  ASSERT_EQ(invoices.exit_code, 0) << invoices.err;
  json::value docs = Parse(invoices.out);
  ASSERT_TRUE(docs.is_array() && docs.as_array().size() == 1) << invoices.out;
  const json::value& invoice = docs.as_array()[0];
  EXPECT_EQ(Str(invoice, "account"), "lumen-robotics") << invoices.out;
  EXPECT_EQ(Str(invoice, "currency"), "SGD") << invoices.out;
  int64_t invoiced = -1;
  for (const json::value& line : invoice.as_object().at("lines").as_array()) {
    if (Str(line, "lease") == lease) invoiced = line.as_object().at("gpu_seconds").as_int64();
  }
  // Both jobs and the reserved-but-idle rest: the lease's GPUs × its time.
  EXPECT_EQ(invoiced, reserved) << invoices.out;
  RunResult shown = Straits({"invoices", "show", Str(invoice, "id")});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find(lease), std::string::npos) << shown.out;

  // Cancelled: released, the reservation is gone.
  EXPECT_EQ(Apply()["released"].as_int64(), 1);
  EXPECT_EQ(Str(BackendStatus(lease), "backend"), "released");
  EXPECT_FALSE(Reservation("sg1", lease).has_value());
}

TEST_F(SlurmCli, ALeaseAtAnUnreachableClusterStaysPendingUntilItIsBack) {
  std::ifstream pid_file(Root() + "/my1/slurmctld.pid");
  pid_t pid = 0;
  ASSERT_TRUE(pid_file >> pid);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return kill(pid, 0) != 0 || !Slurm("my1", {"scontrol", "ping"}).ok();
      },
      10));

  const std::string lease = RequestLease("my-cyberjaya-1", 8);
  ASSERT_FALSE(lease.empty());
  json::object pass = Apply();
  EXPECT_EQ(pass["pending"].as_int64(), 1) << pass;
  json::object status = BackendStatus(lease);
  EXPECT_EQ(Str(status, "backend"), "pending") << status;
  EXPECT_EQ(status["attempts"].as_int64(), 1) << status;
  EXPECT_NE(Str(status, "last_error").find("unavailable"), std::string::npos) << status;

  RunResult shown = Straits({"lease", "show", lease});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("backend: pending (attempt 1, next "), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(Str(status, "last_error")), std::string::npos) << shown.out;
  json::value as_json = Parse(Straits({"lease", "show", lease, "--json"}).out);
  ASSERT_TRUE(as_json.is_object());
  const json::value& on_backend = as_json.as_object().at("backend");
  EXPECT_EQ(Str(on_backend, "status"), "pending");
  EXPECT_EQ(Str(on_backend, "last_error"), Str(status, "last_error"));
  EXPECT_EQ(Str(on_backend, "next_attempt"), Str(status, "next_attempt"));

  // slurm-up restarts only what died; the controller keeps its saved state.
  backend::ProcessSpec up;
  up.argv = {std::string(STRAITS_SOURCE_DIR) + "/scripts/slurm-up"};
  up.timeout_seconds = 120;
  Result<backend::ProcessResult> restarted = env_.Run(up);
  ASSERT_TRUE(restarted.ok() && restarted->ok()) << (restarted.ok() ? restarted->err : "");

  // The lease is retried once its backoff (5 s after the first failure) is
  // over; a pass before that leaves it alone.
  Instant next = *Instant::Parse(Str(status, "next_attempt"));
  ASSERT_TRUE(WaitUntil([&] { return SystemClock().Now() > next; }, 10));
  pass = Apply();
  EXPECT_EQ(pass["applied"].as_int64(), 1) << pass;
  status = BackendStatus(lease);
  EXPECT_EQ(Str(status, "backend"), "applied") << status;
  EXPECT_EQ(status["attempts"].as_int64(), 0) << status;
  std::optional<backend::slurm::ReservationInfo> resv = Reservation("my1", lease);
  ASSERT_TRUE(resv.has_value());
  EXPECT_EQ(resv->accounts, std::vector<std::string>{prefix_ + lease});
  shown = Straits({"lease", "show", lease});
  EXPECT_NE(shown.out.find("backend: applied"), std::string::npos) << shown.out;
}

TEST_F(SlurmCli, ReconcileFindsAndRepairsAReservationDeletedBehindItsBack) {
  const std::string lease = RequestLease("sg-jurong-1", 4);
  ASSERT_FALSE(lease.empty());
  ASSERT_EQ(Apply()["applied"].as_int64(), 1);
  RunResult clean = Straits({"backend", "reconcile", "--site", "sg-jurong-1", "--json"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;

  ASSERT_TRUE(Slurm("sg1", {"scontrol", "delete", "ReservationName=" + prefix_ + lease}).ok());
  RunResult drift = Straits({"backend", "reconcile", "--json"});
  EXPECT_EQ(drift.exit_code, 1) << drift.out << drift.err;
  json::value found = Parse(drift.out);
  ASSERT_TRUE(found.is_array() && found.as_array().size() == 1) << drift.out;
  EXPECT_EQ(Str(found.as_array()[0], "kind"), "missing");
  EXPECT_EQ(Str(found.as_array()[0], "object"), "reservation " + prefix_ + lease);
  EXPECT_EQ(Str(found.as_array()[0], "lease"), lease);
  EXPECT_EQ(Str(found.as_array()[0], "site"), "sg-jurong-1");

  RunResult fixed = Straits({"backend", "reconcile", "--fix", "--json"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_NE(fixed.out.find("\"fixed\":true"), std::string::npos) << fixed.out;
  std::optional<backend::slurm::ReservationInfo> resv = Reservation("sg1", lease);
  ASSERT_TRUE(resv.has_value());
  EXPECT_EQ(resv->end, *Instant::Parse(Str(Placement(lease), "end")));

  RunResult after = Straits({"backend", "reconcile"});
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("no drift"), std::string::npos) << after.out;
}

TEST_F(SlurmCli, ServeAppliesAndReleasesLeasesInTheBackground) {
  testing_support::Child server({STRAITS_BINARY, "--db", db_, "serve", "--listen", "127.0.0.1:0",
                                 "--meter-every", "0", "--backend-every", "1"});
  ASSERT_NE(server.WaitForLine("serving http://", 30000), "");
  const std::string lease = RequestLease("sg-jurong-1", 1);
  ASSERT_FALSE(lease.empty());
  EXPECT_NE(server.WaitForLine("backend: applied 1", 30000), "");
  EXPECT_EQ(Str(BackendStatus(lease), "backend"), "applied");
  EXPECT_TRUE(Reservation("sg1", lease).has_value());

  Cancel(lease);
  EXPECT_NE(server.WaitForLine("released 1", 30000), "");
  EXPECT_EQ(Str(BackendStatus(lease), "backend"), "released");
  EXPECT_FALSE(Reservation("sg1", lease).has_value());

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(30000), 0);
}

}  // namespace
}  // namespace straits

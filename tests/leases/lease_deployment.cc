#include "lease_deployment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <stdexcept>

namespace straits::testing_support {

namespace fs = std::filesystem;

namespace {

std::string Source(const std::string& path) { return std::string(STRAITS_SOURCE_DIR) + "/" + path; }

// Throws so a broken fixture stops the test with the reason, not a crash later.
void Require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

LeaseDeployment::LeaseDeployment(const std::string& name) {
  dir_ = fs::path(testing::TempDir()) / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  db_ = (dir_ / "straits.db").string();
  RunResult init = Straits({"init", "--quiet"});
  Require(init.exit_code == 0, "straits init: " + init.err);
  token_ = init.out.substr(0, init.out.find('\n'));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"import", "fleet", Source("data/demo/world.toml")},
           {"import", "ratecards", Source("data/demo/ratecards.csv")}}) {
    RunResult r = Straits(args);
    Require(r.exit_code == 0, args[0] + " " + args[1] + ": " + r.err);
  }
}

LeaseDeployment::~LeaseDeployment() {
  server_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

bool LeaseDeployment::Start(int threads) {
  server_ = std::make_unique<Child>(std::vector<std::string>{STRAITS_BINARY, "--db", db_, "serve",
                                                             "--listen", "127.0.0.1:0", "--threads",
                                                             std::to_string(threads)});
  port_ = testing_support::WaitForServePort(*server_);
  return port_ > 0;
}

void LeaseDeployment::Kill() {
  if (!server_) return;
  server_->Signal(SIGKILL);
  server_->Wait(10000);
  server_.reset();
}

RunResult LeaseDeployment::Straits(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{STRAITS_BINARY, "--db", db_};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv);
}

HttpReply LeaseDeployment::Post(const std::string& target, const std::string& body,
                                const std::string& idempotency_key) const {
  HttpConnection c("127.0.0.1", port_);
  if (!c.connected()) return {};
  std::string req =
      "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token_ +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n";
  if (!idempotency_key.empty()) req += "Idempotency-Key: " + idempotency_key + "\r\n";
  req += "\r\n" + body;
  if (!c.SendRaw(req)) return {};
  return c.ReadReply();
}

HttpReply LeaseDeployment::Get(const std::string& target) const {
  HttpConnection c("127.0.0.1", port_);
  if (!c.connected()) return {};
  return c.Request("GET", target, token_);
}

std::vector<std::vector<std::string>> LeaseDeployment::Query(const std::string& sql) const {
  sqlite3* db = nullptr;
  Require(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK,
          "open " + db_);
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* stmt = nullptr;
  const bool prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK;
  const std::string error = sqlite3_errmsg(db);
  std::vector<std::vector<std::string>> rows;
  while (prepared && sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  Require(prepared, sql + ": " + error);
  return rows;
}

void LeaseDeployment::Execute(const std::string& sql) const {
  sqlite3* db = nullptr;
  Require(sqlite3_open(db_.c_str(), &db) == SQLITE_OK, "open " + db_);
  sqlite3_busy_timeout(db, 10000);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  Require(rc == SQLITE_OK, sql + ": " + message);
}

std::string TuasRequest(const std::string& tenant, int gpus, const std::string& start, int hours) {
  boost::json::object body{{"tenant", tenant}, {"accelerators", boost::json::array{"h100-sxm"}},
                           {"gpus", gpus},     {"sites", boost::json::array{"sg-tuas-1"}},
                           {"start", start},   {"duration", std::to_string(hours) + "h"}};
  return boost::json::serialize(body);
}

std::string HoursFromNow(int hours) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  const std::time_t t = (now / 3600 + hours) * 3600;
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

int MaxOversubscription(const LeaseDeployment& d, std::string* worst) {
  std::map<std::string, int> size;
  for (const auto& row : d.Query("SELECT hostname, gpus FROM nodes")) {
    size[row[0]] = std::stoi(row[1]);
  }
  // (node) -> change points (time, +/- GPUs); ends sort before starts at the same time.
  std::map<std::string, std::vector<std::pair<long long, int>>> changes;
  for (const auto& row :
       d.Query("SELECT a.node, a.start_at, a.end_at, a.gpus FROM lease_allocations a JOIN leases l "
               "ON l.seq = a.lease_seq WHERE l.state IN "
               "('pending_review','scheduled','active','compliance_hold')")) {
    const int gpus = std::stoi(row[3]);
    changes[row[0]].emplace_back(std::stoll(row[1]), gpus);
    changes[row[0]].emplace_back(std::stoll(row[2]), -gpus);
  }
  int most = -1'000'000;
  for (auto& [node, points] : changes) {
    std::sort(points.begin(), points.end());
    int use = 0;
    const auto it = size.find(node);
    const int capacity = it == size.end() ? 0 : it->second;  // an unknown node has none
    for (const auto& [t, delta] : points) {
      use += delta;
      if (use - capacity > most) {
        most = use - capacity;
        if (worst) *worst = node + " at " + std::to_string(t);
      }
    }
  }
  return most;
}

}  // namespace straits::testing_support

// Lease creations per second end to end over HTTP: `straits serve` (release
// build) on loopback over a fresh database with the demo world and its rate
// cards; CLIENTS threads, each on its own keep-alive connection, POST
// /v1/leases one after another. Every request goes through validation,
// screening, compliance at each candidate site, placement and a durable
// commit (WAL, synchronous=FULL, group commit). Prints throughput and latency
// percentiles; the figures go to docs/benchmarks.md.
//
//   bench_leases STRAITS_BINARY [CLIENTS=16] [REQUESTS_PER_CLIENT=500] [SERVER_THREADS=4]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "../../tests/integration/http_client.h"
#include "../../tests/integration/subprocess.h"

namespace {

using straits::testing_support::Child;
using straits::testing_support::HttpConnection;
using straits::testing_support::HttpReply;
using straits::testing_support::Run;
using straits::testing_support::RunResult;
using Clock = std::chrono::steady_clock;

int Fail(const std::string& what) {
  std::fprintf(stderr, "bench_leases: %s\n", what.c_str());
  return 1;
}

std::string Iso(std::time_t t) {
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// Request `k` of the run: 8 H100 or H200 GPUs for a day somewhere in a
// three-day window that moves by an hour per request, at any site the tenant
// may use (so compliance runs for every candidate site and placement searches).
std::string Body(long k, std::time_t base) {
  const char* tenants[] = {"lumen-robotics", "harborview-asia", "rheinwerk"};
  const std::time_t earliest = base + (k % 2000) * 3600;
  boost::json::object body{{"tenant", tenants[k % 3]},
                           {"accelerators", boost::json::array{"h100-sxm", "h200-sxm"}},
                           {"gpus", 8},
                           {"earliest", Iso(earliest)},
                           {"latest_end", Iso(earliest + 72 * 3600)},
                           {"duration", "24h"}};
  return boost::json::serialize(body);
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Fail("usage: bench_leases STRAITS [CLIENTS] [REQUESTS] [SERVER_THREADS]");
  const std::string straits = argv[1];
  const int clients = argc > 2 ? std::atoi(argv[2]) : 16;
  const int per_client = argc > 3 ? std::atoi(argv[3]) : 500;
  const int server_threads = argc > 4 ? std::atoi(argv[4]) : 4;
  const std::string source = STRAITS_SOURCE_DIR;

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("straits-bench-leases-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "b.db").string();
  RunResult init = Run({straits, "--db", db, "init", "--quiet"});
  if (init.exit_code != 0) return Fail("init: " + init.err);
  const std::string token = init.out.substr(0, init.out.find('\n'));
  for (const char* kind : {"fleet", "ratecards"}) {
    const std::string file = source + (std::string(kind) == "fleet" ? "/data/demo/world.toml"
                                                                    : "/data/demo/ratecards.csv");
    RunResult r = Run({straits, "--db", db, "import", kind, file});
    if (r.exit_code != 0) return Fail(std::string("import ") + kind + ": " + r.err);
  }

  int rc = 0;
  {
    Child server({straits, "--db", db, "serve", "--listen", "127.0.0.1:0", "--threads",
                  std::to_string(server_threads)});
    const std::string line = server.WaitForLine("serving http://", 30000);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(R"(127\.0\.0\.1:(\d+))"))) {
      return Fail("the server did not start");
    }
    const int port = std::stoi(m[1]);
    const std::time_t base =
        (std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) / 86400 + 7) *
        86400;

    std::atomic<long> next{0};
    std::mutex mu;
    std::vector<double> latencies_ms;
    std::map<int, long> statuses;
    auto client = [&](long count) {
      HttpConnection c("127.0.0.1", port);
      std::vector<double> mine;
      std::map<int, long> seen;
      for (long i = 0; i < count; ++i) {
        const std::string body = Body(next.fetch_add(1), base);
        const auto t0 = Clock::now();
        const HttpReply r = c.Request("POST", "/v1/leases", token, body);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        seen[r.status]++;
        if (r.status == 0) break;
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      for (const auto& [s, n] : seen) statuses[s] += n;
    };
    // Warm up (page cache, first placement), then measure.
    client(50);
    latencies_ms.clear();
    statuses.clear();
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) threads.emplace_back(client, per_client);
    for (std::thread& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const long created = statuses[201];
    std::printf("%d clients x %d requests, %d server threads, %u cores\n", clients, per_client,
                server_threads, std::thread::hardware_concurrency());
    std::printf("requests %zu, created (201) %ld, in %.2f s\n", latencies_ms.size(), created,
                seconds);
    for (const auto& [s, n] : statuses) std::printf("  status %d: %ld\n", s, n);
    std::printf("lease creations/s: %.0f\n", static_cast<double>(created) / seconds);
    std::printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
                Percentile(latencies_ms, 0.50), Percentile(latencies_ms, 0.90),
                Percentile(latencies_ms, 0.99), latencies_ms.empty() ? 0 : latencies_ms.back());
    if (created == 0) rc = 1;
    RunResult verify = Run({straits, "--db", db, "audit", "verify"});
    std::printf("audit verify: %s",
                verify.exit_code == 0 ? verify.out.c_str() : verify.err.c_str());
  }
  std::filesystem::remove_all(dir);
  return rc;
}

// Leases against the real `straits serve`: clients racing for the same nodes,
// the server killed mid-write and restarted, an audit row altered behind the
// server's back, and a retried request with the same Idempotency-Key. Each
// test checks what the database holds afterwards, not only the answers.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "lease_deployment.h"

namespace straits {
namespace {

using testing_support::HoursFromNow;
using testing_support::HttpReply;
using testing_support::LeaseDeployment;
using testing_support::RunResult;
using testing_support::TuasRequest;

boost::json::value Json(const HttpReply& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  return ec ? boost::json::value() : v;
}

std::string IdOf(const HttpReply& r) {
  const boost::json::value v = Json(r);
  if (!v.is_object() || !v.as_object().contains("id")) return "";
  return std::string(v.at("id").as_string());
}

std::set<std::string> LeaseIds(const LeaseDeployment& d) {
  std::set<std::string> ids;
  for (const auto& row : d.Query("SELECT id FROM leases")) ids.insert(row[0]);
  return ids;
}

// Eight clients ask for overlapping leases on the 32 Tuas H100 nodes (256
// GPUs) over three overlapping windows: far more than fits, so the server
// refuses some while others race into the same transaction batches.
TEST(LeaseHttpTest, ConcurrentClientsNeverOversubscribeANode) {
  LeaseDeployment d("straits-lease-race");
  ASSERT_TRUE(d.Start(4));
  const std::string starts[] = {HoursFromNow(24 * 20), HoursFromNow(24 * 20 + 12),
                                HoursFromNow(24 * 21)};
  constexpr int kClients = 8, kPerClient = 14;
  std::mutex mu;
  std::vector<std::string> created;
  std::vector<std::string> problems;
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kPerClient; ++i) {
        const int gpus = (c + i) % 3 == 0 ? 8 : ((c + i) % 3 == 1 ? 4 : 6);
        const HttpReply r =
            d.Post("/v1/leases", TuasRequest("lumen-robotics", gpus, starts[(c + i) % 3], 24));
        std::lock_guard lock(mu);
        if (r.status == 201) {
          created.push_back(IdOf(r));
        } else if (r.status == 409) {
          refused++;
          const boost::json::value v = Json(r);
          if (!v.is_object() || !v.as_object().contains("reasons") ||
              v.at("reasons").as_array().empty()) {
            problems.push_back("a refusal without reasons: " + r.body);
          }
        } else {
          problems.push_back(std::to_string(r.status) + ": " + r.body);
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_TRUE(problems.empty()) << problems.front();
  // 336 requests of 6 GPUs on average for three overlapping windows over 256 GPUs.
  EXPECT_GT(refused.load(), 0);
  EXPECT_GT(created.size(), 40u);

  std::string worst;
  EXPECT_LE(MaxOversubscription(d, &worst), 0) << worst;
  const std::set<std::string> stored = LeaseIds(d);
  EXPECT_EQ(stored.size(), created.size());
  for (const std::string& id : created) EXPECT_TRUE(stored.count(id)) << id;
  // Every scheduled lease holds exactly the GPUs it asked for.
  const auto short_rows = d.Query(
      "SELECT l.id FROM leases l LEFT JOIN lease_allocations a ON a.lease_seq = l.seq "
      "WHERE l.state = 'scheduled' GROUP BY l.seq "
      "HAVING COALESCE(SUM(a.gpus), 0) != json_extract(l.spec, '$.gpus')");
  EXPECT_TRUE(short_rows.empty()) << short_rows.front()[0];
  d.Kill();
  EXPECT_EQ(d.Straits({"audit", "verify"}).exit_code, 0);
}

// kill -9 at (seeded) random moments while four clients create leases; after
// every restart each acknowledged lease is there, whole, and the chain holds.
TEST(LeaseHttpTest, AcknowledgedLeasesSurviveKillNine) {
  LeaseDeployment d("straits-lease-crash");
  std::mt19937 random(20261129);
  std::set<std::string> acknowledged;
  std::mutex mu;
  std::atomic<int> sequence{0};
  for (int round = 0; round < 4; ++round) {
    ASSERT_TRUE(d.Start(2)) << "round " << round;
    std::atomic<bool> down{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&] {
        while (!down.load()) {
          // Short, disjoint windows: almost every request is placed.
          const int n = sequence.fetch_add(1);
          const HttpReply r =
              d.Post("/v1/leases", TuasRequest("lumen-robotics", 8, HoursFromNow(24 * 30 + n), 1));
          if (r.status == 201) {
            std::lock_guard lock(mu);
            acknowledged.insert(IdOf(r));
          } else if (r.status == 0) {
            return;  // the server is gone; what was not answered may or may not be there
          }
        }
      });
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 600)(random)));
    d.Kill();
    down = true;
    for (std::thread& t : clients) t.join();

    const std::set<std::string> stored = LeaseIds(d);
    for (const std::string& id : acknowledged) {
      EXPECT_TRUE(stored.count(id))
          << id << " was acknowledged before round " << round << "'s kill and is gone";
    }
    // None half-written: each lease has its decision, its audit entry and, when
    // it holds capacity, allocations for every GPU it asked for.
    const auto partial = d.Query(
        "SELECT l.id FROM leases l WHERE NOT EXISTS (SELECT 1 FROM lease_decisions d WHERE "
        "d.lease_seq = l.seq) OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject = l.id) "
        "OR (l.state = 'scheduled' AND (SELECT COALESCE(SUM(gpus), 0) FROM lease_allocations a "
        "WHERE a.lease_seq = l.seq) != json_extract(l.spec, '$.gpus'))");
    EXPECT_TRUE(partial.empty()) << partial.front()[0] << " is half-written";
    const RunResult verify = d.Straits({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }
  EXPECT_GT(acknowledged.size(), 4u);
  // The restarted server carries on where the last one stopped.
  ASSERT_TRUE(d.Start(2));
  const HttpReply after =
      d.Post("/v1/leases", TuasRequest("lumen-robotics", 8, HoursFromNow(24 * 60), 1));
  EXPECT_EQ(after.status, 201) << after.body;
  EXPECT_FALSE(acknowledged.count(IdOf(after)));
  std::string worst;
  EXPECT_LE(MaxOversubscription(d, &worst), 0) << worst;
}

// An altered row, then a removed one: `audit verify` exits non-zero and names it.
TEST(LeaseHttpTest, AuditVerifyNamesTheAlteredEntry) {
  LeaseDeployment d("straits-lease-tamper");
  ASSERT_TRUE(d.Start(1));
  for (int i = 0; i < 4; ++i) {
    const HttpReply r =
        d.Post("/v1/leases", TuasRequest("lumen-robotics", 8, HoursFromNow(24 * 10 + i), 2));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ASSERT_EQ(d.Post("/v1/leases/lease-000002/cancel", "").status, 200);
  d.Kill();
  const RunResult clean = d.Straits({"audit", "verify"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("ok"), std::string::npos) << clean.out;

  const auto third = d.Query("SELECT seq, actor FROM audit_log ORDER BY seq LIMIT 1 OFFSET 2");
  ASSERT_EQ(third.size(), 1u);
  const std::string seq = third[0][0];
  const std::string actor = third[0][1];
  d.Execute("UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = " + seq);
  RunResult altered = d.Straits({"audit", "verify", "--json"});
  EXPECT_NE(altered.exit_code, 0);
  const boost::json::value v = boost::json::parse(altered.out.substr(0, altered.out.find('\n')));
  EXPECT_EQ(v.at("ok").as_bool(), false);
  EXPECT_EQ(v.at("first_bad").as_int64(), std::stoll(seq)) << altered.out;
  altered = d.Straits({"audit", "verify"});
  EXPECT_NE(altered.exit_code, 0);
  EXPECT_NE(altered.err.find(seq), std::string::npos) << altered.err;

  // Put it back: intact again. Then remove the entry instead.
  d.Execute("UPDATE audit_log SET actor = '" + actor + "' WHERE seq = " + seq);
  ASSERT_EQ(d.Straits({"audit", "verify"}).exit_code, 0);
  d.Execute("DELETE FROM audit_log WHERE seq = " + seq);
  const RunResult removed = d.Straits({"audit", "verify", "--json"});
  EXPECT_NE(removed.exit_code, 0);
  EXPECT_NE(removed.out.find("\"first_bad\":" + seq), std::string::npos) << removed.out;
}

// The same Idempotency-Key twice: one lease, the same answer; the key with a
// different body is refused rather than silently answered.
TEST(LeaseHttpTest, SameIdempotencyKeyCreatesOneLease) {
  LeaseDeployment d("straits-lease-idem");
  ASSERT_TRUE(d.Start(2));
  const std::string body = TuasRequest("lumen-robotics", 8, HoursFromNow(24 * 7), 12);
  const HttpReply first = d.Post("/v1/leases", body, "order-7731");
  ASSERT_EQ(first.status, 201) << first.body;
  const HttpReply second = d.Post("/v1/leases", body, "order-7731");
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.headers.count("idempotent-replayed"), 1u);
  EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
  EXPECT_EQ(LeaseIds(d).size(), 1u);

  const HttpReply other = d.Post(
      "/v1/leases", TuasRequest("lumen-robotics", 4, HoursFromNow(24 * 7), 12), "order-7731");
  EXPECT_GE(other.status, 400) << other.body;
  EXPECT_EQ(LeaseIds(d).size(), 1u);

  // Changes replay too: a second cancel with the key answers as the first did.
  const std::string id = IdOf(first);
  const HttpReply cancel = d.Post("/v1/leases/" + id + "/cancel", "", "cancel-1");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  const HttpReply again = d.Post("/v1/leases/" + id + "/cancel", "", "cancel-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, cancel.body);
  const HttpReply unkeyed = d.Post("/v1/leases/" + id + "/cancel", "");
  EXPECT_EQ(unkeyed.status, 409) << unkeyed.body;  // cancelled cannot be cancelled
  EXPECT_EQ(d.Query("SELECT count(*) FROM audit_log WHERE subject = '" + id + "'")[0][0], "2");
}

}  // namespace
}  // namespace straits

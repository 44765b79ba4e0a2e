// Roles and tenant isolation against the real `straits serve`: one server over
// a fresh database with the demo world and a user of every role. Every
// operation of /openapi.json is called as every role and without credentials,
// and the answer is checked against the role matrix in docs/roles.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "http_client.h"
#include "subprocess.h"

namespace straits {
namespace {

using testing_support::Child;
using testing_support::HttpConnection;
using testing_support::HttpReply;

using testing_support::RunResult;

const std::vector<std::string> kRoles = {"admin",   "operator", "compliance",
                                         "finance", "tenant",   "auditor"};
constexpr const char* kTenantA = "harborview-asia";
constexpr const char* kTenantB = "lumen-robotics";
constexpr const char* kPassword = "correct horse battery";

RunResult Straits(const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {STRAITS_BINARY, "--db", db});
  return testing_support::Run(args);
}

// `straits ...` with `input` on stdin.
RunResult StraitsWithInput(const std::string& db, const std::string& args,
                           const std::string& input) {
  return testing_support::Run(
      {"/bin/sh", "-c",
       "printf '%s\\n' '" + input + "' | '" + STRAITS_BINARY + "' --db '" + db + "' " + args});
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

struct Call {
  std::string method;
  std::string target;
  std::string token;  // bearer
  std::string body;
  std::string cookie;
  std::string csrf;
  std::string content_type = "application/json";
};

class RolesTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        std::filesystem::path(testing::TempDir()) / ("straits-roles-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "straits.db").string();
    RunResult init = Straits(db_, {"init", "--quiet"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    tokens_["admin"] = FirstLine(init.out);
    RunResult import = Straits(
        db_, {"import", "fleet", std::string(STRAITS_SOURCE_DIR) + "/data/demo/world.toml"});
    ASSERT_EQ(import.exit_code, 0) << import.err;
    // A billed month, so that invoices are there to be seen or not.
    const std::string demo = std::string(STRAITS_SOURCE_DIR) + "/data/demo/";
    for (const auto& [what, file] :
         std::vector<std::pair<std::string, std::string>>{{"lease-terms", "lease-terms.csv"},
                                                          {"ratecards", "ratecards.csv"},
                                                          {"usage", "usage.csv"}}) {
      RunResult r = Straits(db_, {"import", what, demo + file});
      ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err;
    }
    RunResult invoices = Straits(db_, {"invoices", "generate", "--period", "2026-10"});
    ASSERT_EQ(invoices.exit_code, 0) << invoices.err;
    for (const std::string& role : kRoles) {
      if (role == "admin" || role == "tenant") continue;
      AddUser(role + "-user", "--role " + role);
      tokens_[role] = Token(role + "-user");
    }
    AddUser("tenant-a", std::string("--role tenant --org ") + kTenantA);
    AddUser("tenant-b", std::string("--role tenant --org ") + kTenantB);
    AddUser("compliance-2", "--role compliance");
    tokens_["compliance-2"] = Token("compliance-2");
    // An operator pack that makes very large training runs license_required,
    // so that a lease needs the two-officer approval.
    RunResult pack =
        Straits(db_, {"policy", "import",
                      std::string(STRAITS_SOURCE_DIR) +
                          "/tests/scenarios/data/packs/operator-license-training.toml"});
    ASSERT_EQ(pack.exit_code, 0) << pack.err;
    // The parent of tenant A, granted its subsidiary.
    AddUser("parent", std::string("--role tenant --org harborview --grant ") + kTenantA);
    tokens_["parent"] = Token("parent");
    tokens_["tenant"] = Token("tenant-a");
    tokens_["tenant-b"] = Token("tenant-b");
    server_ = std::make_unique<Child>(std::vector<std::string>{
        STRAITS_BINARY, "--db", db_, "serve", "--listen", "127.0.0.1:0", "--threads", "2"});
    port_ = testing_support::WaitForServePort(*server_);
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  static void AddUser(const std::string& name, const std::string& flags) {
    RunResult r =
        StraitsWithInput(db_, "users add " + name + " " + flags + " --password-stdin", kPassword);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static std::string Token(const std::string& user, const std::string& extra = "") {
    std::vector<std::string> args = {"tokens", "create", "--user", user, "--quiet"};
    if (!extra.empty()) {
      args.push_back("--expires");
      args.push_back(extra);
    }
    RunResult r = Straits(db_, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return FirstLine(r.out);
  }

  static HttpReply Send(const Call& call) {
    HttpConnection c("127.0.0.1", port_);
    std::string req = call.method + " " + call.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!call.token.empty()) req += "Authorization: Bearer " + call.token + "\r\n";
    if (!call.cookie.empty()) req += "Cookie: " + call.cookie + "\r\n";
    if (!call.csrf.empty()) req += "X-CSRF-Token: " + call.csrf + "\r\n";
    if (!call.body.empty() || call.method == "POST") {
      req += "Content-Type: " + call.content_type + "\r\n";
      req += "Content-Length: " + std::to_string(call.body.size()) + "\r\n";
    }
    req += "\r\n" + call.body;
    if (!c.SendRaw(req)) return {};
    return c.ReadReply();
  }
  static HttpReply Get(const std::string& target, const std::string& token) {
    return Send({"GET", target, token, "", "", ""});
  }
  static HttpReply Post(const std::string& target, const std::string& token,
                        const std::string& body) {
    return Send({"POST", target, token, body, "", ""});
  }
  static boost::json::value Json(const HttpReply& r) { return boost::json::parse(r.body); }

  // A lease of tenant B (created once).
  static std::string TenantBLease() {
    static std::string id;
    if (!id.empty()) return id;
    HttpReply r = Post("/v1/leases", tokens_["tenant-b"],
                       std::string(R"({"tenant": ")") + kTenantB +
                           R"(", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status == 201) id = std::string(Json(r).at("id").as_string());
    return id;
  }

  static std::filesystem::path dir_;
  static std::string db_;
  static std::map<std::string, std::string> tokens_;
  static std::unique_ptr<Child> server_;
  static int port_;
};

std::filesystem::path RolesTest::dir_;
std::string RolesTest::db_;
std::map<std::string, std::string> RolesTest::tokens_;
std::unique_ptr<Child> RolesTest::server_;
int RolesTest::port_ = 0;

// "| GET | `/v1/leases` | yes | yes | ... |" -> {"GET /v1/leases": {"admin": "yes", ...}}
std::map<std::string, std::map<std::string, std::string>> ReadMatrix() {
  std::ifstream in(std::string(STRAITS_SOURCE_DIR) + "/docs/roles.md");
  std::map<std::string, std::map<std::string, std::string>> matrix;
  std::regex row(R"(^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|(.*)\|\s*$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    std::vector<std::string> cells;
    std::stringstream rest(m[3].str());
    std::string cell;
    while (std::getline(rest, cell, '|')) {
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
    }
    EXPECT_EQ(cells.size(), kRoles.size()) << line;
    auto& decisions = matrix[m[1].str() + " " + m[2].str()];
    for (size_t i = 0; i < cells.size() && i < kRoles.size(); ++i) decisions[kRoles[i]] = cells[i];
  }
  return matrix;
}

// Path parameters name things that do not exist, so that calls admitted by
// the matrix change nothing (they end in 400 or 404, never 401 or 403).
std::string Target(std::string path) {
  return std::regex_replace(path, std::regex(R"(\{[^}]+\})"), "nothing-000000");
}

// "GET /v1/leases" of every operation /openapi.json describes.
std::set<std::string> DocumentedOperations(const boost::json::value& doc) {
  std::set<std::string> out;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::string key = method;
      for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(key + " " + std::string(path));
    }
  }
  return out;
}

TEST_F(RolesTest, EveryOperationHasARoleDecision) {
  auto matrix = ReadMatrix();
  ASSERT_FALSE(matrix.empty()) << "no role matrix in docs/roles.md";
  HttpReply doc = Get("/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  for (const std::string& key : DocumentedOperations(Json(doc))) {
    EXPECT_TRUE(matrix.count(key)) << key << " has no row in the role matrix of docs/roles.md";
  }
}

// Rows of operations this build does not serve (a family still to come) are
// skipped; every served operation is called as every role.
TEST_F(RolesTest, EveryRouteAdmitsExactlyTheRolesOfTheMatrix) {
  HttpReply doc = Get("/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  const std::set<std::string> documented = DocumentedOperations(Json(doc));
  for (const auto& [key, decisions] : ReadMatrix()) {
    if (!documented.count(key)) continue;
    const std::string method = key.substr(0, key.find(' '));
    const std::string target = Target(key.substr(key.find(' ') + 1));
    const std::string body = method == "GET" || method == "DELETE" ? "" : "{}";
    HttpReply anonymous = Send({method, target, "", body, "", ""});
    if (decisions.at("admin") == "public") {
      EXPECT_NE(anonymous.status, 401) << key;
      continue;
    }
    EXPECT_EQ(anonymous.status, 401) << key << " without credentials";
    for (const std::string& role : kRoles) {
      HttpReply r = Send({method, target, tokens_[role], body, "", ""});
      const std::string& decision = decisions.at(role);
      if (decision == "no") {
        EXPECT_EQ(r.status, 403) << key << " as " << role << ": " << r.body;
      } else {
        EXPECT_TRUE(decision == "yes" || decision == "own") << key << ": " << decision;
        EXPECT_NE(r.status, 401) << key << " as " << role << ": " << r.body;
        EXPECT_NE(r.status, 403) << key << " as " << role << ": " << r.body;
        EXPECT_LT(r.status, 500) << key << " as " << role << ": " << r.body;
      }
    }
  }
}

TEST_F(RolesTest, ATenantCannotSeeAnotherTenantsLease) {
  const std::string id = TenantBLease();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Get("/v1/leases/" + id, tokens_["tenant-b"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/" + id, tokens_["operator"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/" + id, tokens_["auditor"]).status, 200);
  HttpReply other = Get("/v1/leases/" + id, tokens_["tenant"]);
  EXPECT_EQ(other.status, 404) << other.body;
  HttpReply missing = Get("/v1/leases/lease-999999", tokens_["tenant"]);
  EXPECT_EQ(missing.status, 404);
  // The same answer as for a lease that does not exist, apart from its id.
  EXPECT_EQ(Json(other).at("error").at("code"), Json(missing).at("error").at("code"));
  EXPECT_EQ(Post("/v1/leases/" + id + "/cancel", tokens_["tenant"], "{}").status, 404);
  HttpReply mine = Get("/v1/leases", tokens_["tenant"]);
  ASSERT_EQ(mine.status, 200);
  const boost::json::value mine_body = Json(mine);  // owns what the loop reads
  for (const auto& lease : mine_body.at("items").as_array()) {
    EXPECT_EQ(lease.at("tenant").as_string(), kTenantA);
  }
  EXPECT_EQ(Get(std::string("/v1/leases?tenant=") + kTenantB, tokens_["tenant"]).status, 403);
  // A tenant asking for a lease in another's name is refused.
  HttpReply forged = Post("/v1/leases", tokens_["tenant"],
                          std::string(R"({"tenant": ")") + kTenantB +
                              R"(", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
  EXPECT_EQ(forged.status, 403) << forged.body;
}

// A tenant granted a subsidiary sees the subsidiary's leases and its own; the
// subsidiary does not see the parent's; neither sees a third tenant's.
TEST_F(RolesTest, AGrantedSubsidiaryIsVisibleToItsParentOnly) {
  HttpReply sub = Post("/v1/leases", tokens_["tenant"],
                       std::string(R"({"tenant": ")") + kTenantA +
                           R"(", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
  ASSERT_EQ(sub.status, 201) << sub.body;
  const std::string sub_id(Json(sub).at("id").as_string());
  HttpReply own =
      Post("/v1/leases", tokens_["parent"],
           R"({"tenant": "harborview", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
  ASSERT_EQ(own.status, 201) << own.body;
  const std::string own_id(Json(own).at("id").as_string());

  EXPECT_EQ(Get("/v1/leases/" + sub_id, tokens_["parent"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/" + own_id, tokens_["parent"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/" + own_id, tokens_["tenant"]).status, 404);
  EXPECT_EQ(Get("/v1/leases/" + TenantBLease(), tokens_["parent"]).status, 404);
  HttpReply listed = Get("/v1/leases", tokens_["parent"]);
  ASSERT_EQ(listed.status, 200);
  const boost::json::value listed_body = Json(listed);  // owns what the loop reads
  std::set<std::string> ids, tenants;
  for (const auto& lease : listed_body.at("items").as_array()) {
    ids.insert(std::string(lease.at("id").as_string()));
    tenants.insert(std::string(lease.at("tenant").as_string()));
  }
  EXPECT_TRUE(ids.count(sub_id) && ids.count(own_id)) << listed.body;
  EXPECT_EQ(tenants, (std::set<std::string>{"harborview", kTenantA})) << listed.body;
  EXPECT_EQ(Get(std::string("/v1/leases?tenant=") + kTenantA, tokens_["parent"]).status, 200);
  EXPECT_EQ(Get(std::string("/v1/leases?tenant=") + kTenantB, tokens_["parent"]).status, 403);
  EXPECT_EQ(Get("/v1/leases?tenant=harborview", tokens_["tenant"]).status, 403);
}

std::set<std::string> InvoiceIds(const HttpReply& reply) {
  std::set<std::string> ids;
  const boost::json::value body = boost::json::parse(reply.body);  // owns what the loop reads
  for (const auto& doc : body.at("items").as_array())
    ids.insert(std::string(doc.at("id").as_string()));
  return ids;
}

// A grant reaches past leases: the parent's user sees its subsidiary's
// invoices, asks for quotes and lists jobs for it; the subsidiary sees none of
// the parent's.
TEST_F(RolesTest, AGrantCoversQuotesJobsAndInvoicesToo) {
  HttpReply parent_invoices = Get("/v1/invoices", tokens_["parent"]);
  ASSERT_EQ(parent_invoices.status, 200) << parent_invoices.body;
  EXPECT_EQ(InvoiceIds(parent_invoices),
            (std::set<std::string>{"INV-2026-10-harborview-USD", "INV-2026-10-harborview-asia-MYR",
                                   "INV-2026-10-harborview-asia-SGD"}))
      << parent_invoices.body;
  HttpReply own_invoices = Get("/v1/invoices", tokens_["tenant"]);
  ASSERT_EQ(own_invoices.status, 200) << own_invoices.body;
  EXPECT_EQ(InvoiceIds(own_invoices), (std::set<std::string>{"INV-2026-10-harborview-asia-MYR",
                                                             "INV-2026-10-harborview-asia-SGD"}))
      << own_invoices.body;
  EXPECT_EQ(Get("/v1/invoices/INV-2026-10-harborview-asia-SGD", tokens_["parent"]).status, 200);
  EXPECT_EQ(Get("/v1/invoices/INV-2026-10-harborview-USD", tokens_["tenant"]).status, 404);
  EXPECT_EQ(Get("/v1/invoices/INV-2026-10-lumen-robotics-SGD", tokens_["parent"]).status, 404);

  auto quote = [](const std::string& token, const std::string& tenant) {
    return Post("/v1/quotes", token,
                R"({"tenant": ")" + tenant + R"(", "training_flop": 3e24, "by": "soonest"})");
  };
  HttpReply granted_quote = quote(tokens_["parent"], kTenantA);
  EXPECT_EQ(granted_quote.status, 200) << granted_quote.body;
  EXPECT_EQ(quote(tokens_["parent"], kTenantB).status, 403);
  EXPECT_EQ(quote(tokens_["tenant"], "harborview").status, 403);

  HttpReply sub = Post("/v1/leases", tokens_["tenant"],
                       std::string(R"({"tenant": ")") + kTenantA +
                           R"(", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
  ASSERT_EQ(sub.status, 201) << sub.body;
  HttpReply own =
      Post("/v1/leases", tokens_["parent"],
           R"({"tenant": "harborview", "gpus": 8, "min_tpp": 1000, "duration": "24h"})");
  ASSERT_EQ(own.status, 201) << own.body;
  const std::string sub_jobs =
      "/v1/leases/" + std::string(Json(sub).at("id").as_string()) + "/jobs";
  const std::string own_jobs =
      "/v1/leases/" + std::string(Json(own).at("id").as_string()) + "/jobs";
  HttpReply listed = Get(sub_jobs, tokens_["parent"]);
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Get(own_jobs, tokens_["tenant"]).status, 404);
  EXPECT_EQ(Get(sub_jobs, tokens_["tenant-b"]).status, 404);
}

// GPU-seconds of `lease` in the demo's usage file.
int64_t DemoUsageOf(const std::string& lease) {
  std::ifstream in(std::string(STRAITS_SOURCE_DIR) + "/data/demo/usage.csv");
  int64_t total = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(lease + ",", 0) != 0) continue;
    total += std::stoll(line.substr(line.rfind(',') + 1));
  }
  return total;
}

int64_t SumOf(const boost::json::value& items) {
  int64_t sum = 0;
  for (const auto& item : items.as_array()) sum += item.at("gpu_seconds").to_number<int64_t>();
  return sum;
}

// A lease's usage: exactly what was recorded for it, per day and per node
// summing to the total; its tenant (and a granted parent) see it, others get
// 404 as for a lease that does not exist.
TEST_F(RolesTest, LeaseUsageIsScopedAndAddsUp) {
  const int64_t expected = DemoUsageOf("L-102");
  ASSERT_GT(expected, 0);
  HttpReply mine = Get("/v1/leases/L-102/usage", tokens_["tenant"]);
  ASSERT_EQ(mine.status, 200) << mine.body;
  const boost::json::value usage = Json(mine);
  EXPECT_EQ(usage.at("gpu_seconds").to_number<int64_t>(), expected);
  EXPECT_EQ(SumOf(usage.at("by_day")), expected);
  EXPECT_EQ(SumOf(usage.at("by_node")), expected);
  EXPECT_EQ(usage.at("gpus").to_number<int64_t>(), 32);
  // Used never exceeds what the terms reserved up to the last record.
  EXPECT_LE(expected, usage.at("reserved_gpu_seconds").to_number<int64_t>());
  EXPECT_GT(usage.at("records").to_number<int64_t>(), 0);

  EXPECT_EQ(Get("/v1/leases/L-102/usage", tokens_["parent"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/L-102/usage", tokens_["finance"]).status, 200);
  EXPECT_EQ(Get("/v1/leases/L-102/usage", tokens_["tenant-b"]).status, 404);
  EXPECT_EQ(Get("/v1/leases/L-102/usage", tokens_["compliance"]).status, 403);
  EXPECT_EQ(Get("/v1/leases/L-108/usage", tokens_["tenant"]).status, 404);
  EXPECT_EQ(Get("/v1/leases/L-999/usage", tokens_["finance"]).status, 404);
}

// Approving a license_required lease takes two different compliance officers:
// the first approval is pending (202), the same officer cannot confirm it, the
// second confirms it and the lease's reason and audit entry name both.
TEST_F(RolesTest, ALicenseRequiredLeaseNeedsTwoComplianceOfficers) {
  HttpReply created = Post("/v1/leases", tokens_["tenant"],
                           std::string(R"({"tenant": ")") + kTenantA +
                               R"(", "gpus": 8, "min_tpp": 1000, "duration": "24h",)"
                               R"( "training_flop": 2e26})");
  ASSERT_EQ(created.status, 201) << created.body;
  const boost::json::value lease = Json(created);
  EXPECT_EQ(lease.at("state").as_string(), "pending_review") << created.body;
  EXPECT_EQ(lease.at("verdict").as_string(), "license_required") << created.body;
  EXPECT_NE(created.body.find("very-large-training-license"), std::string::npos) << created.body;
  const std::string approve = "/v1/leases/" + std::string(lease.at("id").as_string()) + "/approve";

  EXPECT_EQ(Post(approve, tokens_["operator"], R"({"reason": "ok", "license": "L-1"})").status,
            403);
  EXPECT_EQ(Post(approve, tokens_["tenant"], R"({"reason": "ok", "license": "L-1"})").status, 403);
  HttpReply no_license = Post(approve, tokens_["compliance"], R"({"reason": "checked"})");
  EXPECT_EQ(no_license.status, 400) << no_license.body;
  EXPECT_NE(no_license.body.find("license"), std::string::npos) << no_license.body;

  HttpReply first = Post(approve, tokens_["compliance"],
                         R"({"reason": "end use checked", "license": "EX-2026-0042"})");
  ASSERT_EQ(first.status, 202) << first.body;
  const boost::json::value pending = Json(first);
  EXPECT_EQ(pending.at("state").as_string(), "pending_review");
  EXPECT_EQ(pending.at("pending_approval").at("approved_by").as_string(), "compliance-user");
  HttpReply again =
      Post(approve, tokens_["compliance"], R"({"reason": "again", "license": "EX-2026-0042"})");
  EXPECT_EQ(again.status, 409) << again.body;
  // The second officer sees whose approval they would confirm.
  HttpReply held =
      Get("/v1/leases/" + std::string(lease.at("id").as_string()), tokens_["compliance-2"]);
  ASSERT_EQ(held.status, 200) << held.body;
  const boost::json::value held_body = Json(held);
  EXPECT_EQ(held_body.at("pending_approval").at("approved_by").as_string(), "compliance-user");
  EXPECT_EQ(held_body.at("pending_approval").at("license").as_string(), "EX-2026-0042");

  HttpReply second = Post(approve, tokens_["compliance-2"], R"({"reason": "confirmed"})");
  ASSERT_EQ(second.status, 200) << second.body;
  const boost::json::value approved = Json(second);
  EXPECT_EQ(approved.at("state").as_string(), "scheduled") << second.body;
  EXPECT_EQ(approved.at("license").as_string(), "EX-2026-0042");
  const std::string reason(approved.at("reason").as_string());
  EXPECT_NE(reason.find("approved by compliance-user"), std::string::npos) << reason;
  EXPECT_NE(reason.find("confirmed by compliance-2"), std::string::npos) << reason;
  EXPECT_TRUE(
      Json(Get("/v1/leases/" + std::string(lease.at("id").as_string()), tokens_["compliance"]))
          .at("pending_approval")
          .is_null());

  HttpReply audit = Get("/v1/audit", tokens_["auditor"]);
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("lease.approve"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("confirmed by compliance-2"), std::string::npos) << audit.body;
}

TEST_F(RolesTest, WhoAmIShowsRoleAndOrganization) {
  HttpReply me = Get("/v1/session", tokens_["tenant"]);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Json(me).at("user").as_string(), "tenant-a");
  EXPECT_EQ(Json(me).at("role").as_string(), "tenant");
  EXPECT_EQ(Json(me).at("org").as_string(), kTenantA);
  EXPECT_EQ(Json(me).at("via").as_string(), "token");
  HttpReply ops = Get("/v1/session", tokens_["operator"]);
  EXPECT_EQ(Json(ops).at("role").as_string(), "operator");
  EXPECT_TRUE(Json(ops).at("org").is_null());
}

TEST_F(RolesTest, SessionLoginCsrfAndLogout) {
  HttpReply wrong =
      Post("/v1/session", "", R"({"user": "finance-user", "password": "not the password"})");
  EXPECT_EQ(wrong.status, 401);
  HttpReply unknown = Post("/v1/session", "", R"({"user": "nobody", "password": "whatever1"})");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(Json(wrong).at("error").at("message"), Json(unknown).at("error").at("message"));

  HttpReply login =
      Post("/v1/session", "",
           std::string(R"({"user": "operator-user", "password": ")") + kPassword + R"("})");
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string set_cookie = login.headers["set-cookie"];
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  const std::string csrf(Json(login).at("csrf_token").as_string());
  EXPECT_EQ(Json(login).at("role").as_string(), "operator");

  HttpReply me = Send({"GET", "/v1/session", "", "", cookie, ""});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Json(me).at("via").as_string(), "session");
  EXPECT_EQ(Json(me).at("csrf_token").as_string(), csrf);
  EXPECT_EQ(Send({"GET", "/v1/sites", "", "", cookie, ""}).status, 200);

  // State changes by cookie need the CSRF token; bearer tokens do not.
  const std::string quote = R"({"gpus": 0})";
  HttpReply no_csrf = Send({"POST", "/v1/quotes", "", quote, cookie, ""});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  HttpReply bad_csrf = Send({"POST", "/v1/quotes", "", quote, cookie, "0123"});
  EXPECT_EQ(bad_csrf.status, 403);
  HttpReply with_csrf = Send({"POST", "/v1/quotes", "", quote, cookie, csrf});
  EXPECT_EQ(with_csrf.status, 400) << with_csrf.body;  // past the guard, to the body check
  EXPECT_EQ(Post("/v1/quotes", tokens_["operator"], quote).status, 400);
  // The role still applies to a session.
  EXPECT_EQ(Send({"POST", "/v1/leases/lease-000001/deny", "", "{}", cookie, csrf}).status, 403);

  EXPECT_EQ(Send({"DELETE", "/v1/session", "", "", cookie, ""}).status, 403);
  HttpReply logout = Send({"DELETE", "/v1/session", "", "", cookie, csrf});
  EXPECT_EQ(logout.status, 204);
  EXPECT_NE(logout.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Send({"GET", "/v1/session", "", "", cookie, ""}).status, 401);
}

TEST_F(RolesTest, LoginFormIsAccepted) {
  Call form{"POST",
            "/v1/session",
            "",
            "user=finance-user&password=correct+horse+battery",
            "",
            "",
            "application/x-www-form-urlencoded"};
  HttpReply login = Send(form);
  ASSERT_EQ(login.status, 201) << login.body;
  EXPECT_EQ(Json(login).at("role").as_string(), "finance");
  form.body = "user=finance-user&password=correct+horse";
  EXPECT_EQ(Send(form).status, 401);
  // Other routes still take JSON only.
  Call quote{"POST",
             "/v1/quotes",
             tokens_["operator"],
             "gpus=8",
             "",
             "",
             "application/x-www-form-urlencoded"};
  EXPECT_EQ(Send(quote).status, 415);
}

TEST_F(RolesTest, ExpiredAndRevokedTokensAreRefused) {
  const std::string expiring = Token("finance-user", "2s");
  ASSERT_FALSE(expiring.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  HttpReply expired = Get("/v1/invoices", expiring);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;

  AddUser("revokee", "--role auditor");
  const std::string revoked = Token("revokee");
  RunResult list = Straits(db_, {"tokens", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::string id;
  const boost::json::value listed = boost::json::parse(list.out);
  for (const auto& t : listed.as_array()) {
    EXPECT_EQ(t.as_object().count("secret_hash"), 0u);
    if (t.at("user") == "revokee") id = std::string(t.at("id").as_string());
  }
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Straits(db_, {"tokens", "revoke", id}).exit_code, 0);
  HttpReply refused = Get("/v1/audit/verify", revoked);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
  EXPECT_NE(Straits(db_, {"tokens", "revoke", "tok_nothing"}).exit_code, 0);
}

TEST_F(RolesTest, DisabledUsersLoseTokensAndLogins) {
  AddUser("leaver", "--role auditor");
  const std::string token = Token("leaver");
  ASSERT_EQ(Straits(db_, {"users", "disable", "leaver"}).exit_code, 0);
  EXPECT_EQ(Get("/v1/session", token).status, 401);
  EXPECT_EQ(Post("/v1/session", "",
                 std::string(R"({"user": "leaver", "password": ")") + kPassword + R"("})")
                .status,
            401);
  RunResult again = Straits(db_, {"tokens", "create", "--user", "leaver"});
  EXPECT_NE(again.exit_code, 0);
}

TEST_F(RolesTest, UsersCommandValidatesInput) {
  EXPECT_EQ(Straits(db_, {"users", "add", "x", "--role", "emperor"}).exit_code, 2);
  EXPECT_EQ(Straits(db_, {"users", "add", "x", "--role", "tenant"}).exit_code, 2);
  EXPECT_EQ(Straits(db_, {"users", "add", "x", "--role", "tenant", "--org", "nowhere"}).exit_code,
            2);
  EXPECT_EQ(Straits(db_, {"users", "add", "x", "--role", "finance", "--org", kTenantA}).exit_code,
            2);
  EXPECT_NE(Straits(db_, {"users", "add", "operator-user", "--role", "operator"}).exit_code, 0);
  EXPECT_EQ(
      StraitsWithInput(db_, "users add shorty --role auditor --password-stdin", "short").exit_code,
      2);
  RunResult list = Straits(db_, {"users", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool found = false;
  const boost::json::value users = boost::json::parse(list.out);
  for (const auto& u : users.as_array()) {
    if (u.at("name") == "tenant-a") {
      found = true;
      EXPECT_EQ(u.at("role").as_string(), "tenant");
      EXPECT_EQ(u.at("org").as_string(), kTenantA);
      EXPECT_TRUE(u.at("password").as_bool());
    }
    EXPECT_EQ(u.as_object().count("password_hash"), 0u);
  }
  EXPECT_TRUE(found);
}

TEST_F(RolesTest, PasswordsAreStoredAsArgon2idHashesOnly) {
  RunResult r = testing_support::Run(
      {"/usr/bin/sqlite3", db_, "SELECT password_hash FROM users ORDER BY name"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(kPassword), std::string::npos);
  std::istringstream lines(r.out);
  std::string line;
  int hashes = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("$argon2id$v=19$", 0), 0u) << line;
    ++hashes;
  }
  EXPECT_GE(hashes, 6);
}

}  // namespace
}  // namespace straits

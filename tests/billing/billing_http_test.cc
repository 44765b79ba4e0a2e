// Starts the real `straits serve` over a database with the demo world, its
// billing data and issued invoices, and drives the billing routes over TCP:
// the same JSON as the CLI, paging, errors, and a tenant token's narrower view.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "../integration/http_client.h"
#include "../integration/subprocess.h"
#include "auth/tokens.h"
#include "store/sqlite/sqlite_store.h"

namespace straits {
namespace {

using testing_support::Child;
using testing_support::HttpConnection;
using testing_support::HttpReply;
using testing_support::RunResult;

std::string Source(const std::string& path) { return std::string(STRAITS_SOURCE_DIR) + "/" + path; }

class BillingHttpTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::path(testing::TempDir()) /
                                     ("straits-billing-http-" + std::to_string(getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    db_ = new std::string((*dir_ / "straits.db").string());
    RunResult init = Straits({"init", "--quiet"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    token_ = new std::string(init.out.substr(0, init.out.find('\n')));
    const std::vector<std::vector<std::string>> setup = {
        {"import", "fleet", Source("data/demo/world.toml")},
        {"import", "lease-terms", Source("data/demo/lease-terms.csv")},
        {"import", "ratecards", Source("data/demo/ratecards.csv")},
        {"import", "usage", Source("data/demo/usage.csv")},
        {"invoices", "generate", "--period", "2026-09"},
        {"invoices", "generate", "--period", "2026-10"},
        {"import", "invoices", Source("data/demo/vendor-ledger.csv")}};
    for (const auto& args : setup) {
      RunResult r = Straits(args);
      ASSERT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
    }
    // A token scoped to one tenant, as roles will issue them.
    {
      auto store = store::OpenSqliteStore(*db_, {});
      ASSERT_TRUE(store.ok()) << store.status();
      auto random = auth::MakeSecureRandom();
      auto token = auth::GenerateToken(*random, "harborview-asia finance", "tenant",
                                       Instant::FromUnixSeconds(1'790'000'000));
      ASSERT_TRUE(token.ok());
      token->record.org = *OrgId::Parse("harborview-asia");
      ASSERT_TRUE((*store)->CreateToken(token->record).ok());
      tenant_token_ = new std::string(token->secret);
    }
    server_ = new Child(
        {STRAITS_BINARY, "--db", *db_, "serve", "--listen", "127.0.0.1:0", "--threads", "2"});
    port_ = testing_support::WaitForServePort(*server_);
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete db_;
    delete token_;
    delete tenant_token_;
  }

  static RunResult Straits(std::vector<std::string> args) {
    std::vector<std::string> argv{STRAITS_BINARY, "--db", *db_};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing_support::Run(argv);
  }
  static HttpReply Get(const std::string& target, const std::string* token = nullptr) {
    HttpConnection c("127.0.0.1", port_);
    return c.Request("GET", target, token ? *token : *token_);
  }
  static boost::json::value Json(const HttpReply& r) { return boost::json::parse(r.body); }
  static std::string ErrorCode(const HttpReply& r) {
    return std::string(Json(r).at("error").at("code").as_string());
  }
  static std::string ErrorField(const HttpReply& r) {
    const boost::json::value body = Json(r);  // owns what `e` refers to
    const auto& e = body.at("error").as_object();
    return e.contains("field") ? std::string(e.at("field").as_string()) : "";
  }

  static std::filesystem::path* dir_;
  static std::string* db_;
  static std::string* token_;
  static std::string* tenant_token_;
  static Child* server_;
  static int port_;
};

std::filesystem::path* BillingHttpTest::dir_ = nullptr;
std::string* BillingHttpTest::db_ = nullptr;
std::string* BillingHttpTest::token_ = nullptr;
std::string* BillingHttpTest::tenant_token_ = nullptr;
Child* BillingHttpTest::server_ = nullptr;
int BillingHttpTest::port_ = 0;

TEST_F(BillingHttpTest, InvoicesPageInIdOrderAndMatchTheCli) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    HttpReply r = Get("/v1/invoices?limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const boost::json::value body = Json(r);
    for (const auto& item : body.at("items").as_array()) {
      ids.emplace_back(item.at("id").as_string());
    }
    if (body.at("next_cursor").is_null()) break;
    cursor = std::string(body.at("next_cursor").as_string());
  }
  ASSERT_EQ(ids.size(), 15u);  // 8 for September, 7 for October
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());

  HttpReply one = Get("/v1/invoices/INV-2026-10-lumen-robotics-SGD");
  ASSERT_EQ(one.status, 200);
  RunResult cli = Straits({"invoices", "show", "INV-2026-10-lumen-robotics-SGD", "--json"});
  ASSERT_EQ(cli.exit_code, 0);
  EXPECT_EQ(one.body + "\n", cli.out);
  EXPECT_EQ(Json(one).at("lines").as_array().size(), 2u);

  HttpReply october = Get("/v1/invoices?period=2026-10&account=harborview-asia");
  ASSERT_EQ(october.status, 200);
  EXPECT_EQ(Json(october).at("items").as_array().size(), 2u);
}

TEST_F(BillingHttpTest, RevenueIsTheSameUnderEveryMethodAndMatchesTheCli) {
  int64_t total = -1;
  for (const char* method : {"billing", "hq", "parent", "site", "operator"}) {
    HttpReply r = Get(std::string("/v1/reports/revenue?by=") + method + "&period=all");
    ASSERT_EQ(r.status, 200) << r.body;
    const boost::json::value body = Json(r);  // owns what `periods` refers to
    const auto& periods = body.at("periods").as_array();
    ASSERT_EQ(periods.size(), 1u);
    const int64_t t = periods[0].at("total_minor").as_int64();
    if (total < 0) total = t;
    EXPECT_EQ(t, total) << method;
  }
  EXPECT_GT(total, 0);
  HttpReply hq = Get("/v1/reports/revenue?by=hq&period=month&currency=SGD");
  ASSERT_EQ(hq.status, 200);
  RunResult cli = Straits(
      {"report", "revenue", "--by", "hq", "--period", "month", "--currency", "SGD", "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(hq.body + "\n", cli.out);
}

TEST_F(BillingHttpTest, LedgerReportReproducesTheBilledToSingaporeShare) {
  HttpReply r =
      Get("/v1/reports/revenue?by=billing&source=ledger&period=fiscal-quarter&fiscal_year_start=2"
          "&from=2025-05-01&to=2025-08-01");
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value body = Json(r);
  const auto& period = body.at("periods").as_array().at(0);
  EXPECT_EQ(period.at("period").as_string(), "FY2026-Q2");
  EXPECT_EQ(period.at("total_minor").as_int64(), 4674300000000);
  bool found = false;
  for (const auto& g : period.at("groups").as_array()) {
    if (g.at("key").as_string() != "SG") continue;
    found = true;
    EXPECT_EQ(g.at("amount_minor").as_int64(), 1028346000000);
    EXPECT_DOUBLE_EQ(g.at("share").as_double(), 0.22);
  }
  EXPECT_TRUE(found);

  HttpReply rec =
      Get("/v1/reports/reconcile?rows=billing&cols=hq&source=ledger&period=fiscal-quarter"
          "&fiscal_year_start=2&from=2025-05&to=2025-08");
  ASSERT_EQ(rec.status, 200) << rec.body;
  const boost::json::value matrix = Json(rec);
  bool found_row = false;
  for (const auto& row : matrix.at("periods").as_array().at(0).at("rows").as_array()) {
    if (row.at("key").as_string() != "SG") continue;
    found_row = true;
    EXPECT_GT(row.at("other_share").as_double(), 0.99);
  }
  EXPECT_TRUE(found_row);
}

TEST_F(BillingHttpTest, BadQueriesNameTheParameter) {
  struct Case {
    const char* target;
    int status;
    const char* code;
    const char* field;
  };
  const Case cases[] = {
      {"/v1/reports/revenue", 400, "invalid_argument", "by"},
      {"/v1/reports/revenue?by=country", 400, "invalid_argument", "by"},
      {"/v1/reports/revenue?by=hq&period=week", 400, "invalid_argument", "period"},
      {"/v1/reports/revenue?by=hq&fiscal_year_start=0", 400, "invalid_argument",
       "fiscal_year_start"},
      {"/v1/reports/revenue?by=hq&currency=XYZ", 400, "invalid_argument", "currency"},
      {"/v1/reports/revenue?by=hq&from=2026-10&to=2026-01", 400, "invalid_argument", "to"},
      {"/v1/reports/revenue?by=hq&source=erp", 400, "invalid_argument", "source"},
      {"/v1/reports/reconcile?rows=site&cols=site", 400, "invalid_argument", "cols"},
      {"/v1/invoices?period=2026-13", 400, "invalid_argument", "period"},
      {"/v1/invoices?limit=0", 400, "invalid_argument", "limit"},
      {"/v1/invoices/INV-1999-01-nobody-USD", 404, "not_found", "id"},
  };
  for (const Case& c : cases) {
    HttpReply r = Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), c.code) << c.target;
    EXPECT_EQ(ErrorField(r), c.field) << c.target;
  }
  EXPECT_EQ(Get("/v1/invoices", nullptr).status, 200);
  HttpConnection c("127.0.0.1", port_);
  EXPECT_EQ(c.Request("GET", "/v1/invoices", "").status, 401);
}

TEST_F(BillingHttpTest, ATenantSeesOnlyItsOwnInvoicesAndRevenue) {
  HttpReply mine = Get("/v1/invoices?limit=100", tenant_token_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  const boost::json::value mine_body = Json(mine);
  const auto& items = mine_body.at("items").as_array();
  ASSERT_EQ(items.size(), 4u);  // MYR and SGD, September and October
  for (const auto& item : items) EXPECT_EQ(item.at("account").as_string(), "harborview-asia");

  EXPECT_EQ(Get("/v1/invoices/INV-2026-10-harborview-asia-SGD", tenant_token_).status, 200);
  HttpReply other = Get("/v1/invoices/INV-2026-10-lumen-robotics-SGD", tenant_token_);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(Get("/v1/invoices?account=lumen-robotics", tenant_token_).body,
            R"({"items":[],"next_cursor":null})");

  HttpReply revenue = Get("/v1/reports/revenue?by=billing&period=all", tenant_token_);
  ASSERT_EQ(revenue.status, 200);
  const boost::json::value revenue_body = Json(revenue);
  const auto& groups = revenue_body.at("periods").as_array().at(0).at("groups").as_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].at("key").as_string(), "SG");
  HttpReply ledger = Get("/v1/reports/revenue?by=billing&source=ledger", tenant_token_);
  EXPECT_EQ(ledger.status, 403);
  EXPECT_EQ(ErrorCode(ledger), "permission_denied");
}

}  // namespace
}  // namespace straits

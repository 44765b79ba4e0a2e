// Starts the real `straits serve` on an ephemeral loopback port over a fresh
// SQLite database with the demo world, and drives every route over TCP.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <thread>

#include "http_client.h"
#include "subprocess.h"

namespace straits {
namespace {

using testing_support::Child;
using testing_support::HttpConnection;
using testing_support::HttpReply;
using testing_support::RunResult;
RunResult RunStraits(const std::vector<std::string>& argv) { return testing_support::Run(argv); }

class HttpServerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::path(testing::TempDir()) /
                                     ("straits-http-" + std::to_string(getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    db_ = new std::string((*dir_ / "straits.db").string());
    auto init = RunStraits({STRAITS_BINARY, "--db", *db_, "init", "--quiet"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    token_ = new std::string(init.out.substr(0, init.out.find('\n')));
    auto import = RunStraits({STRAITS_BINARY, "--db", *db_, "import", "fleet",
                              std::string(STRAITS_SOURCE_DIR) + "/data/demo/world.toml"});
    ASSERT_EQ(import.exit_code, 0) << import.err;
    server_ = new Child({STRAITS_BINARY, "--db", *db_, "serve", "--listen", "127.0.0.1:0",
                         "--threads", "2", "--body-limit", "4096"});
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
  }

  static HttpReply Get(const std::string& target, const std::string& token) {
    HttpConnection c("127.0.0.1", port_);
    return c.Request("GET", target, token);
  }
  static HttpReply Post(const std::string& target, const std::string& body,
                        const std::string& content_type = "application/json") {
    HttpConnection c("127.0.0.1", port_);
    return c.Request("POST", target, *token_, body, content_type);
  }
  static boost::json::value Json(const HttpReply& r) { return boost::json::parse(r.body); }
  static std::string Code(const HttpReply& r) {
    return std::string(Json(r).at("error").at("code").as_string());
  }

  static std::filesystem::path* dir_;
  static std::string* db_;
  static std::string* token_;
  static Child* server_;
  static int port_;
};

std::filesystem::path* HttpServerTest::dir_ = nullptr;
std::string* HttpServerTest::db_ = nullptr;
std::string* HttpServerTest::token_ = nullptr;
Child* HttpServerTest::server_ = nullptr;
int HttpServerTest::port_ = 0;

TEST_F(HttpServerTest, HealthAndOpenApiArePublic) {
  HttpReply health = Get("/healthz", "");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(Json(health).at("status").as_string(), "ok");
  HttpReply doc = Get("/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(Json(doc).at("openapi").as_string(), "3.1.0");
}

TEST_F(HttpServerTest, ListsTheDemoWorld) {
  HttpReply sites = Get("/v1/sites", *token_);
  ASSERT_EQ(sites.status, 200);
  EXPECT_EQ(Json(sites).at("items").as_array().size(), 5u);
  EXPECT_EQ(sites.headers["content-type"], "application/json");
  HttpReply site = Get("/v1/sites/cn-hangzhou-1", *token_);
  ASSERT_EQ(site.status, 200);
  EXPECT_EQ(Json(site).at("gpus").as_int64(), 640);
  HttpReply orgs = Get("/v1/orgs?limit=5", *token_);
  ASSERT_EQ(orgs.status, 200);
  EXPECT_EQ(Json(orgs).at("items").as_array().size(), 5u);
  EXPECT_TRUE(Json(orgs).at("next_cursor").is_string());
  HttpReply org = Get("/v1/orgs/qiantang-sg", *token_);
  ASSERT_EQ(org.status, 200);
  EXPECT_EQ(Json(org).at("parent").as_string(), "qiantang-group");
  HttpReply nodes = Get("/v1/nodes?site=my-cyberjaya-1&limit=1000", *token_);
  ASSERT_EQ(nodes.status, 200);
  EXPECT_EQ(Json(nodes).at("items").as_array().size(), 40u);
}

TEST_F(HttpServerTest, PaginationVisitsEveryNodeOnce) {
  std::string cursor;
  size_t total = 0;
  std::string last;
  for (int page = 0; page < 100; ++page) {
    HttpReply r = Get("/v1/nodes?limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor), *token_);
    ASSERT_EQ(r.status, 200);
    const boost::json::value page_json = Json(r);
    for (const auto& item : page_json.at("items").as_array()) {
      std::string host(item.at("hostname").as_string());
      EXPECT_GT(host, last);
      last = host;
      ++total;
    }
    if (Json(r).at("next_cursor").is_null()) break;
    cursor = std::string(Json(r).at("next_cursor").as_string());
  }
  EXPECT_EQ(total, 312u);
}

TEST_F(HttpServerTest, RejectsMissingAndWrongTokens) {
  HttpReply none = Get("/v1/sites", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Code(none), "unauthenticated");
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(Get("/v1/sites", "st_0000").status, 401);
  EXPECT_EQ(Get("/v1/orgs/meridian", "garbage token").status, 401);
}

TEST_F(HttpServerTest, ErrorsHaveTheRightStatus) {
  EXPECT_EQ(Get("/v1/sites/nowhere", *token_).status, 404);
  EXPECT_EQ(Get("/v1/unknown", *token_).status, 404);
  EXPECT_EQ(Get("/v1/sites?limit=abc", *token_).status, 400);
  HttpConnection c("127.0.0.1", port_);
  HttpReply put = c.Request("PUT", "/v1/sites", *token_, "{}");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers["allow"], "GET, POST");
  HttpReply bad_json = Post("/v1/sites", "{\"id\": ");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(Code(bad_json), "invalid_argument");
  HttpReply wrong_type = Post(
      "/v1/sites", R"({"id":"x","name":"n","country":["SG"],"city":"c","operator":"meridian"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(Json(wrong_type).at("error").at("field").as_string(), "country");
  EXPECT_EQ(Post("/v1/sites", "{}", "text/plain").status, 415);
  HttpReply big = Post("/v1/sites", "{\"name\": \"" + std::string(8192, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Code(big), "payload_too_large");
}

TEST_F(HttpServerTest, CreatesASiteOnceThenConflicts) {
  const std::string body =
      R"({"id":"sg-tuas-2","name":"Tuas 2","country":"SG","city":"Singapore","operator":"raffles-grid"})";
  HttpReply created = Post("/v1/sites", body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["location"], "/v1/sites/sg-tuas-2");
  HttpReply again = Post("/v1/sites", body);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Code(again), "already_exists");
  EXPECT_EQ(Get("/v1/sites/sg-tuas-2", *token_).status, 200);
}

TEST_F(HttpServerTest, KeepsConnectionsAlive) {
  HttpConnection c("127.0.0.1", port_);
  for (int i = 0; i < 20; ++i) {
    HttpReply r = c.Request("GET", "/v1/sites/sg-tuas-1", *token_);
    ASSERT_EQ(r.status, 200) << "request " << i;
  }
  // A malformed request line closes that connection with an error but the
  // server keeps serving others.
  HttpConnection raw("127.0.0.1", port_);
  raw.SendRaw("GARBAGE\r\n\r\n");
  EXPECT_EQ(raw.ReadReply().status, 0);
  EXPECT_EQ(Get("/healthz", "").status, 200);
}

TEST(HttpServerShutdown, SigtermFinishesAndClosesTheDatabase) {
  auto dir =
      std::filesystem::path(testing::TempDir()) / ("straits-shutdown-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "s.db").string();
  ASSERT_EQ(RunStraits({STRAITS_BINARY, "--db", db, "init", "--quiet"}).exit_code, 0);
  Child server({STRAITS_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0"});
  const int port = testing_support::WaitForServePort(server);
  ASSERT_GT(port, 0);
  HttpConnection idle("127.0.0.1", port);  // an idle keep-alive connection must not block exit
  ASSERT_EQ(idle.Request("GET", "/healthz", "").status, 200);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(15000), 0);
  EXPECT_NE(server.DrainStdout().find("stopped; database closed"), std::string::npos);
  // The WAL was checkpointed and removed on clean close.
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));
  std::filesystem::remove_all(dir);
}

TEST(Cli, BadFleetFileImportsNothing) {
  auto dir =
      std::filesystem::path(testing::TempDir()) / ("straits-cli-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "s.db").string();
  ASSERT_EQ(RunStraits({STRAITS_BINARY, "--db", db, "init", "--quiet"}).exit_code, 0);
  const std::string bad = (dir / "bad.toml").string();
  {
    FILE* f = fopen(bad.c_str(), "w");
    fputs(
        "[[organization]]\nid = \"op\"\nname = \"Op\"\nhq = \"US\"\nkinds = [\"operator\"]\n"
        "[[site]]\nid = \"s\"\nname = \"S\"\ncountry = \"QQ\"\ncity = \"c\"\noperator = \"op\"\n",
        f);
    fclose(f);
  }
  auto result = RunStraits({STRAITS_BINARY, "--db", db, "import", "fleet", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(bad + ":9: site: \"country\": unknown country code \"QQ\""),
            std::string::npos)
      << result.err;
  auto orgs = RunStraits({STRAITS_BINARY, "--db", db, "orgs", "list", "--json"});
  EXPECT_EQ(orgs.exit_code, 0);
  EXPECT_EQ(orgs.out, "[]\n");
  auto missing =
      RunStraits({STRAITS_BINARY, "--db", db, "import", "fleet", (dir / "nope.toml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  auto no_db = RunStraits({STRAITS_BINARY, "--db", (dir / "none.db").string(), "sites", "list"});
  EXPECT_EQ(no_db.exit_code, 1);
  EXPECT_NE(no_db.err.find("straits init"), std::string::npos);
  auto usage = RunStraits({STRAITS_BINARY, "sites", "list", "--bogus"});
  EXPECT_EQ(usage.exit_code, 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace straits

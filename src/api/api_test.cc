#include "api/api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "api/openapi.h"
#include "auth/tokens.h"
#include "catalog/shipped.h"
#include "fleet/fleet_file.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::api {
namespace {

class ApiTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(testing::TempDir()) /
            ("straits-api-" + std::to_string(getpid()) + ".db");
    Cleanup();
    store_ = std::move(store::OpenSqliteStore(path_.string(), {.create = true}).value());
    auto fleet = fleet::ParseFleetToml(R"(
[[organization]]
id = "kelvin"
name = "Kelvin DC"
hq = "US"
kinds = ["operator"]
[[organization]]
id = "lotus"
name = "Lotus"
hq = "CN"
kinds = ["tenant"]
[[site]]
id = "my-1"
name = "Johor 1"
country = "MY"
city = "Johor Bahru"
operator = "kelvin"
[[pod]]
id = "my-1-a"
site = "my-1"
[[node]]
hostname = "my1-h20-[1-3]"
pod = "my-1-a"
model = "h20"
gpus = 8
)",
                                       "t.toml");
    ASSERT_TRUE(fleet.ok());
    ASSERT_TRUE(store_->ImportFleet(*fleet).ok());
    auto random = auth::MakeSecureRandom();
    auto token = auth::GenerateToken(*random, "admin", "admin", clock_.Now());
    ASSERT_TRUE(store_->CreateToken(token->record).ok());
    bearer_ = "Bearer " + token->secret;
    catalog_ = std::make_unique<catalog::Catalog>(catalog::LoadShippedCatalog().value());
    regimes_ = catalog::LoadShippedRegimes().value();
    api_ = std::make_unique<Api>(Services{*store_, clock_, *catalog_, regimes_});
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    Cleanup();
  }
  void Cleanup() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }

  Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json",
                std::multimap<std::string, std::string> query = {}) {
    Request r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.authorization = bearer_;
    r.content_type = content_type;
    r.body = body;
    return api_->Handle(r);
  }

  static boost::json::object Json(const Response& r) {
    return boost::json::parse(r.body).as_object();
  }
  static std::string ErrorCode(const Response& r) {
    return std::string(Json(r).at("error").at("code").as_string());
  }
  static std::string ErrorField(const Response& r) {
    boost::json::object body = Json(r);
    const auto& e = body.at("error").as_object();
    return e.contains("field") ? std::string(e.at("field").as_string()) : "";
  }

  std::filesystem::path path_;
  FakeClock clock_{Instant::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::vector<catalog::ClassificationRegime> regimes_;
  std::unique_ptr<Api> api_;
  std::string bearer_;
};

TEST_F(ApiTest, HealthNeedsNoToken) {
  bearer_.clear();
  Response r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json(r).at("status").as_string(), "ok");
}

TEST_F(ApiTest, V1RoutesRequireAValidToken) {
  bearer_.clear();
  Response missing = Call("GET", "/v1/sites");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(ErrorCode(missing), "unauthenticated");
  bearer_ = "Bearer st_wrong";
  EXPECT_EQ(Call("GET", "/v1/sites").status, 401);
  bearer_ = "Token abc";
  EXPECT_EQ(Call("GET", "/v1/orgs").status, 401);
}

TEST_F(ApiTest, ListsAndGetsFleet) {
  Response sites = Call("GET", "/v1/sites");
  ASSERT_EQ(sites.status, 200);
  EXPECT_EQ(Json(sites).at("items").as_array().size(), 1u);
  EXPECT_TRUE(Json(sites).at("next_cursor").is_null());
  Response site = Call("GET", "/v1/sites/my-1");
  ASSERT_EQ(site.status, 200);
  EXPECT_EQ(Json(site).at("gpus").as_int64(), 24);
  EXPECT_EQ(Json(site).at("gpus_by_model").at("h20").as_int64(), 24);
  EXPECT_EQ(Call("GET", "/v1/orgs/lotus").status, 200);
  EXPECT_EQ(Json(Call("GET", "/v1/orgs")).at("items").as_array().size(), 2u);
  Response nodes = Call("GET", "/v1/nodes", "", "", {{"site", "my-1"}, {"limit", "2"}});
  ASSERT_EQ(nodes.status, 200);
  EXPECT_EQ(Json(nodes).at("items").as_array().size(), 2u);
  EXPECT_EQ(Json(nodes).at("next_cursor").as_string(), "my1-h20-2");
}

TEST_F(ApiTest, NotFoundAndBadQueries) {
  Response r = Call("GET", "/v1/sites/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "not_found");
  EXPECT_EQ(Call("GET", "/v1/orgs/bad%20id").status, 404);
  Response unknown_site = Call("GET", "/v1/nodes", "", "", {{"site", "nowhere"}});
  EXPECT_EQ(unknown_site.status, 404);
  EXPECT_EQ(ErrorField(unknown_site), "site");
  for (const char* limit : {"0", "1001", "x", "-1", "5a"}) {
    Response bad = Call("GET", "/v1/sites", "", "", {{"limit", limit}});
    EXPECT_EQ(bad.status, 400) << limit;
    EXPECT_EQ(ErrorField(bad), "limit");
  }
  EXPECT_EQ(Call("GET", "/v1/nothing").status, 404);
  Response wrong_method = Call("DELETE", "/v1/sites");
  EXPECT_EQ(wrong_method.status, 405);
}

TEST_F(ApiTest, CreatesSitesAndRejectsBadBodies) {
  const std::string good =
      R"({"id":"sg-9","name":"Tuas","country":"SG","city":"Singapore","operator":"kelvin"})";
  Response created = Call("POST", "/v1/sites", good);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Json(created).at("id").as_string(), "sg-9");
  EXPECT_EQ(Call("POST", "/v1/sites", good).status, 409);

  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"{not json", 400, ""},
           {"[1,2]", 400, ""},
           {R"({"id":"x","name":"n","country":7,"city":"c","operator":"kelvin"})", 400, "country"},
           {R"({"id":"x","name":"n","country":"XX","city":"c","operator":"kelvin"})", 400,
            "country"},
           {R"({"id":"x","name":"n","country":"SG","city":"c"})", 400, "operator"},
           {R"({"id":"x","name":"n","country":"SG","city":"c","operator":"lotus"})", 400,
            "operator"},
           {R"({"id":"x","name":"n","country":"SG","city":"c","operator":"kelvin","x":1})", 400,
            "x"},
           {R"({"id":"a b","name":"n","country":"SG","city":"c","operator":"kelvin"})", 400, "id"},
       }) {
    Response r = Call("POST", "/v1/sites", c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(ErrorField(r), c.field) << c.body;
  }
  EXPECT_EQ(Call("POST", "/v1/sites", good, "text/plain").status, 415);
  EXPECT_EQ(Json(Call("GET", "/v1/sites")).at("items").as_array().size(), 2u);
}

TEST_F(ApiTest, ClassifiesCatalogModelsAndSpecs) {
  Response list = Call("GET", "/v1/accelerators", "", "", {{"date", "2024-06-01"}});
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Json(list).at("items").as_array().size(), 41u);
  Response h20 =
      Call("GET", "/v1/accelerators/h20/classification", "", "", {{"date", "2024-06-01"}});
  ASSERT_EQ(h20.status, 200) << h20.body;
  EXPECT_EQ(Json(h20).at("model").as_string(), "h20");
  EXPECT_NEAR(Json(h20).at("tpp").to_number<double>(), 2368.0, 0.5);
  EXPECT_EQ(Json(h20).at("by_regime").as_array().size(), 4u);
  Response only = Call("GET", "/v1/accelerators/a800-sxm/classification", "", "",
                       {{"date", "2023-03-01"}, {"regime", "us-ear-2022-10"}});
  ASSERT_EQ(only.status, 200);
  ASSERT_EQ(Json(only).at("by_regime").as_array().size(), 1u);
  EXPECT_EQ(Json(only).at("by_regime").at(0).at("eccn").as_string(), "not_3A090");
  EXPECT_EQ(Call("GET", "/v1/accelerators/tpu-v9").status, 404);
  EXPECT_EQ(
      Call("GET", "/v1/accelerators/h20/classification", "", "", {{"date", "2024-13-01"}}).status,
      400);
  EXPECT_EQ(Call("GET", "/v1/accelerators/h20/classification", "", "", {{"regime", "nope"}}).status,
            404);
  Response spec = Call("POST", "/v1/classify",
                       R"({"vendor":"Example","model":"X1","datacenter":true,"die_area_mm2":814.0,
                           "throughput":[{"format":"fp8","bits":8,"tops":296.0}]})");
  ASSERT_EQ(spec.status, 200) << spec.body;
  EXPECT_NEAR(Json(spec).at("tpp").to_number<double>(), 2368.0, 0.5);
  Response bad = Call("POST", "/v1/classify", R"({"model":"X1","throughput":[]})");
  EXPECT_EQ(bad.status, 400);
  Response neg =
      Call("POST", "/v1/classify", R"({"model":"X1","throughput":[{"bits":8,"tops":-1}]})");
  EXPECT_EQ(neg.status, 400);
  EXPECT_EQ(ErrorField(neg), "throughput[0].tops");
}

TEST_F(ApiTest, EveryRouteIsDocumentedInOpenApi) {
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& op : DocumentedOperations()) documented.insert(op);
  std::set<std::pair<std::string, std::string>> registered;
  for (const Route& route : api_->router().routes()) {
    registered.emplace(route.method, route.pattern);
    EXPECT_TRUE(documented.count({route.method, route.pattern}))
        << route.method << " " << route.pattern << " is not in the OpenAPI document";
  }
  for (const auto& op : documented) {
    EXPECT_TRUE(registered.count(op))
        << op.first << " " << op.second << " is documented but not served";
  }
  Response doc = Call("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(Json(doc).at("openapi").as_string(), "3.1.0");
  EXPECT_TRUE(Json(doc).at("paths").as_object().contains("/v1/sites/{id}"));
}

}  // namespace
}  // namespace straits::api

// The compliance routes of the real `straits serve` (one server for the whole
// suite, on an ephemeral loopback port, over a fresh database with the demo
// world): checks, screening, rule packs, what-ifs and clearances.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "http_client.h"
#include "subprocess.h"

namespace straits {
namespace {

using testing_support::Child;
using testing_support::HttpConnection;
using testing_support::HttpReply;

class ComplianceHttpTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::path(testing::TempDir()) /
                                     ("straits-compliance-" + std::to_string(getpid())));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const std::string db = (*dir_ / "straits.db").string();
    auto init = testing_support::Run({STRAITS_BINARY, "--db", db, "init", "--quiet"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    token_ = new std::string(init.out.substr(0, init.out.find('\n')));
    auto import = testing_support::Run({STRAITS_BINARY, "--db", db, "import", "fleet",
                                        std::string(STRAITS_SOURCE_DIR) + "/data/demo/world.toml"});
    ASSERT_EQ(import.exit_code, 0) << import.err;
    // Two compliance officers, for the dual control of clearances.
    for (const char* user : {"alice", "bob"}) {
      auto added = testing_support::Run(
          {STRAITS_BINARY, "--db", db, "users", "add", user, "--role", "compliance"});
      ASSERT_EQ(added.exit_code, 0) << added.err;
      auto token = testing_support::Run(
          {STRAITS_BINARY, "--db", db, "tokens", "create", "--user", user, "--quiet"});
      ASSERT_EQ(token.exit_code, 0) << token.err;
      (std::string(user) == "alice" ? alice_ : bob_) =
          new std::string(token.out.substr(0, token.out.find('\n')));
    }
    server_ = new Child(
        {STRAITS_BINARY, "--db", db, "serve", "--listen", "127.0.0.1:0", "--threads", "2"});
    port_ = testing_support::WaitForServePort(*server_);
    ASSERT_GT(port_, 0);
  }

  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete token_;
    delete alice_;
    delete bob_;
  }

  static HttpReply Get(const std::string& target) {
    HttpConnection c("127.0.0.1", port_);
    return c.Request("GET", target, *token_);
  }
  static HttpReply Post(const std::string& target, const std::string& body) {
    return PostAs(*token_, target, body);
  }
  static HttpReply PostAs(const std::string& token, const std::string& target,
                          const std::string& body) {
    HttpConnection c("127.0.0.1", port_);
    return c.Request("POST", target, token, body);
  }
  static boost::json::value Json(const HttpReply& r) { return boost::json::parse(r.body); }
  static std::string Str(const boost::json::value& v, const char* key) {
    return std::string(v.at(key).as_string());
  }
  // The error's code and field.
  static std::pair<std::string, std::string> Error(const HttpReply& r) {
    const boost::json::value body = Json(r);  // owns what `e` refers to
    const boost::json::value& e = body.at("error");
    const boost::json::value* field = e.as_object().if_contains("field");
    return {Str(e, "code"), field && field->is_string() ? std::string(field->as_string()) : ""};
  }
  // "regime/rule" of every hit.
  static std::set<std::string> Rules(const boost::json::value& decision) {
    std::set<std::string> out;
    for (const auto& hit : decision.at("hits").as_array()) {
      out.insert(Str(hit, "regime") + "/" + Str(hit, "rule"));
    }
    return out;
  }

  static std::filesystem::path* dir_;
  static std::string* token_;
  static std::string* alice_;
  static std::string* bob_;
  static Child* server_;
  static int port_;
};

std::filesystem::path* ComplianceHttpTest::dir_ = nullptr;
std::string* ComplianceHttpTest::token_ = nullptr;
std::string* ComplianceHttpTest::alice_ = nullptr;
std::string* ComplianceHttpTest::bob_ = nullptr;
Child* ComplianceHttpTest::server_ = nullptr;
int ComplianceHttpTest::port_ = 0;

TEST_F(ComplianceHttpTest, CheckGivesTheVerdictRulesAndPacks) {
  HttpReply r = Post("/v1/compliance/check", R"({"kind": "export", "date": "2024-06-01",
      "item": "h100-sxm", "count": 8, "from": "US", "to": "MY",
      "consignee": {"name": "Lantau Compute Services", "hq": "CN"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::value d = Json(r);
  EXPECT_EQ(Str(d, "verdict"), "license_required");
  EXPECT_EQ(Rules(d), std::set<std::string>{"us-ear-2023-10/headquartered-in"});
  const boost::json::object& hit = d.at("hits").at(0).as_object();
  for (const char* key : {"regime", "rule", "citation", "verdict", "message"}) {
    EXPECT_TRUE(hit.contains(key)) << key;
  }
  EXPECT_NE(Str(hit, "message").find("headquartered in CN"), std::string::npos);
  bool saw_pack = false;
  for (const auto& pack : d.at("regimes").as_array()) {
    if (Str(pack, "id") == "us-ear-2023-10") {
      saw_pack = true;
      EXPECT_EQ(Str(pack, "hash").rfind("sha256:", 0), 0u);
    }
  }
  EXPECT_TRUE(saw_pack);

  HttpReply allowed = Post("/v1/compliance/check", R"({"kind": "export", "date": "2024-06-01",
      "item": "h100-sxm", "from": "US", "to": "MY", "consignee": {"hq": "MY"}})");
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(Str(Json(allowed), "verdict"), "allowed");
  EXPECT_TRUE(Rules(Json(allowed)).empty());
}

TEST_F(ComplianceHttpTest, CheckResolvesTenantAndSiteFromTheDatabase) {
  HttpReply r = Post("/v1/compliance/check", R"({"kind": "remote_access", "date": "2025-11-01",
      "item": "h100-sxm", "count": 64, "tenant_id": "qiantang-sg", "site_id": "my-johor-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::value d = Json(r);
  EXPECT_EQ(Str(d, "verdict"), "conditions");
  EXPECT_EQ(Rules(d), std::set<std::string>{"us-bis-2025-05-guidance/iaas-training-due-diligence"});
  // The parent chain came from the database: SG subsidiary, CN parent.
  EXPECT_NE(Str(d.at("hits").at(0), "message").find("ultimate parent in CN"), std::string::npos);
  EXPECT_EQ(Str(d.at("screening").at(0), "name"), "Qiantang AI Singapore Pte. Ltd.");

  HttpReply before = Post("/v1/compliance/check", R"({"kind": "remote_access",
      "date": "2024-06-01", "item": "h100-sxm", "tenant_id": "qiantang-sg",
      "site_id": "my-johor-1"})");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(Str(Json(before), "verdict"), "allowed");
}

TEST_F(ComplianceHttpTest, CheckComputesRunningTotalsWhenAbsent) {
  // The Diffusion rule needs the country's running total: from the fleet
  // installed in MY, so the decision is determined.
  HttpReply r = Post("/v1/compliance/check", R"({"kind": "export", "date": "2025-03-01",
      "item": "h100-sxm", "count": 8, "from": "US", "to": "MY", "consignee": {"hq": "MY"},
      "totals": {"consignee_year_tpp": 0}, "regimes": ["us-ear-2025-01-diffusion"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Json(r).at("undetermined").as_bool()) << r.body;
  EXPECT_EQ(Rules(Json(r)), std::set<std::string>{"us-ear-2025-01-diffusion/lpp-allowance"});
  // A given total is kept: past the cap. The cap applies only beyond the
  // consignee's LPP allowance (26.9 M TPP), so the shipment is 2,000 H100s
  // (about 31.7 M TPP).
  HttpReply capped = Post("/v1/compliance/check", R"({"kind": "export", "date": "2025-03-01",
      "item": "h100-sxm", "count": 2000, "from": "US", "to": "MY", "consignee": {"hq": "MY"},
      "totals": {"country_tpp": 789990000, "consignee_year_tpp": 0},
      "regimes": ["us-ear-2025-01-diffusion"]})");
  ASSERT_EQ(capped.status, 200) << capped.body;
  EXPECT_EQ(Str(Json(capped), "verdict"), "license_required");
  EXPECT_TRUE(Rules(Json(capped)).count("us-ear-2025-01-diffusion/country-cap")) << capped.body;
}

TEST_F(ComplianceHttpTest, CheckErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY"})",
       "consignee"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
          "consignee": {"hq": "XX"}})",
       "consignee.hq"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "nope", "from": "US", "to": "MY",
          "consignee": {"hq": "MY"}})",
       "item"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
          "consignee": {"hq": "MY"}, "colour": 1})",
       "colour"},
      {R"({"kind": "export", "date": "2024-06-01", "item": "h100-sxm", "from": "US", "to": "MY",
          "consignee": {"hq": "MY"}, "regimes": ["no-such-pack"]})",
       "regimes"},
      {R"({"kind": "remote_access", "date": "2025-11-01", "item": "h100-sxm",
          "tenant_id": "nobody", "site_id": "my-johor-1"})",
       "tenant_id"},
      {R"({"kind": "remote_access", "date": "2025-11-01", "item": "h100-sxm",
          "tenant_id": "qiantang-sg", "site_id": "nowhere-1"})",
       "site_id"},
      {R"({"kind": "launch", "date": "2025-11-01", "item": "h100-sxm"})", "kind"},
      {"not json", "body"},
  };
  for (const Case& c : cases) {
    HttpReply r = Post("/v1/compliance/check", c.body);
    EXPECT_EQ(r.status, 400) << c.body << "\n" << r.body;
    if (r.status != 400) continue;
    auto [code, field] = Error(r);
    EXPECT_EQ(code, "invalid_argument") << c.body;
    EXPECT_EQ(field.rfind(c.field, 0), 0u) << c.body << ": field " << field;
  }
}

TEST_F(ComplianceHttpTest, ScreeningFindsLatinAndChineseNames) {
  HttpReply r = Post("/v1/screening/search", R"({"name": "北京智谱华章科技有限公司"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const boost::json::value matches_body = Json(r);  // owns the view below
  const boost::json::array& matches = matches_body.at("matches").as_array();
  ASSERT_FALSE(matches.empty()) << r.body;
  EXPECT_EQ(Str(matches[0].at("entry"), "name"), "Beijing Zhipu Huazhang Technology Co., Ltd.");
  EXPECT_GE(matches[0].at("score").to_number<double>(), 0.88);
  HttpReply none = Post("/v1/screening/search", R"({"name": "Harborview Asia Pte Ltd"})");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(Json(none).at("matches").as_array().empty());
  HttpReply bad = Post("/v1/screening/search", R"({"country": "CN"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Error(bad).second, "name");
}

TEST_F(ComplianceHttpTest, RegimesByDateAndById) {
  HttpReply list = Get("/v1/policy/regimes?date=2024-06-01");
  ASSERT_EQ(list.status, 200) << list.body;
  std::set<std::string> in_force;
  const boost::json::value list_body = Json(list);  // owns what the loop reads
  for (const auto& pack : list_body.at("items").as_array()) {
    if (pack.at("in_force").as_bool()) in_force.insert(Str(pack, "id"));
  }
  EXPECT_TRUE(in_force.count("us-ear-2023-10"));
  EXPECT_FALSE(in_force.count("us-ear-2025-01-diffusion"));
  EXPECT_FALSE(in_force.count("us-doc-2024-01-iaas-kyc"));
  EXPECT_EQ(Get("/v1/policy/regimes?date=someday").status, 400);

  HttpReply pack = Get("/v1/policy/regimes/us-ear-2023-10?date=2024-06-01");
  ASSERT_EQ(pack.status, 200) << pack.body;
  bool has_rule = false;
  const boost::json::value pack_body = Json(pack);  // owns what the loop reads
  for (const auto& rule : pack_body.at("rules").as_array()) {
    has_rule = has_rule || Str(rule, "id") == "headquartered-in";
  }
  EXPECT_TRUE(has_rule);
  HttpReply missing = Get("/v1/policy/regimes/no-such-pack");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Error(missing).first, "not_found");
}

TEST_F(ComplianceHttpTest, WhatIfListsWhatChanges) {
  // Naming the proposed IaaS KYC rule: foreign tenants of the US-headquartered
  // operator's sites get its conditions; nothing gets looser.
  HttpReply r = Post("/v1/compliance/whatif", R"({"regimes": ["us-doc-2024-01-iaas-kyc"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  boost::json::value report = Json(r);
  EXPECT_GT(report.at("combinations").as_int64(), 0);
  EXPECT_EQ(report.at("looser").as_int64(), 0);
  bool kyc = false;
  for (const auto& change : report.at("changes").as_array()) {
    for (const auto& rule : change.at("scenario").at("rules").as_array()) {
      kyc = kyc || rule.as_string() == "us-doc-2024-01-iaas-kyc/customer-identification";
    }
    const std::string site = Str(change, "site");
    EXPECT_TRUE(site == "my-johor-1" || site == "us-ashburn-1") << site;
  }
  EXPECT_TRUE(kyc) << r.body;

  HttpReply bad = Post("/v1/compliance/whatif", R"({"regimes": ["nope"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Error(bad).second.rfind("regimes", 0), 0u);
  HttpReply bad_date = Post("/v1/compliance/whatif", R"({"date": "soon"})");
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(Error(bad_date).second, "date");
}

TEST_F(ComplianceHttpTest, ClearancesAreRecordedAppliedAndAudited) {
  const std::string name = "Zhipu Huazhang Tech";
  HttpReply before = Post("/v1/screening/search", R"({"name": "Zhipu Huazhang Tech"})");
  ASSERT_EQ(before.status, 200);
  const boost::json::value match_body = Json(before);  // owns the view below
  const boost::json::value& match = match_body.at("matches").at(0);
  const std::string entry = Str(match.at("entry"), "id");
  EXPECT_TRUE(match.at("cleared").is_null());

  // Bad requests name the field.
  HttpReply no_reason =
      Post("/v1/screening/clearances", R"({"party_name": "x", "entry_id": ")" + entry + "\"}");
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(Error(no_reason).second, "reason");
  HttpReply unknown = Post("/v1/screening/clearances",
                           R"({"party_name": "x", "entry_id": "EL-9999", "reason": "r"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Error(unknown).second, "entry_id");
  HttpReply forged =
      Post("/v1/screening/clearances", R"({"party_name": "x", "entry_id": ")" + entry +
                                           R"(", "reason": "r", "cleared_by": "someone else"})");
  EXPECT_EQ(forged.status, 400);
  EXPECT_EQ(Error(forged).second, "cleared_by");

  const std::string body = R"({"party_name": ")" + name + R"(", "entry_id": ")" + entry +
                           R"(", "reason": "a different company, registered in Penang"})";
  // Dual control: alice's clearance waits; she cannot confirm it herself; it
  // does not apply until bob confirms it.
  HttpReply proposed = PostAs(*alice_, "/v1/screening/clearances", body);
  ASSERT_EQ(proposed.status, 202) << proposed.body;
  EXPECT_TRUE(Json(proposed).at("pending").as_bool());
  HttpReply self = PostAs(*alice_, "/v1/screening/clearances", body);
  EXPECT_EQ(self.status, 409) << self.body;
  EXPECT_EQ(Error(self).first, "failed_precondition");
  EXPECT_TRUE(Json(Get("/v1/screening/clearances")).at("items").as_array().empty());
  HttpReply waiting = Post("/v1/screening/search", R"({"name": "Zhipu Huazhang Tech"})");
  EXPECT_TRUE(Json(waiting).at("matches").at(0).at("cleared").is_null()) << waiting.body;

  HttpReply added = PostAs(*bob_, "/v1/screening/clearances", body);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Str(Json(added), "entry_id"), entry);
  EXPECT_EQ(Str(Json(added), "cleared_by"), "alice, bob");
  EXPECT_EQ(PostAs(*bob_, "/v1/screening/clearances", body).status, 409);
  EXPECT_EQ(Post("/v1/screening/clearances", body).status, 409);

  HttpReply list = Get("/v1/screening/clearances");
  ASSERT_EQ(list.status, 200);
  const boost::json::value list_body = Json(list);  // owns the views below
  ASSERT_EQ(list_body.at("items").as_array().size(), 1u);
  const std::string reason = Str(list_body.at("items").at(0), "reason");
  EXPECT_EQ(reason.rfind("a different company, registered in Penang", 0), 0u) << reason;
  EXPECT_NE(reason.find("proposed by alice"), std::string::npos) << reason;
  EXPECT_NE(reason.find("confirmed by bob"), std::string::npos) << reason;

  // Applied: the match is still reported, with its clearance, and no longer flags the party.
  HttpReply after = Post("/v1/screening/search", R"({"name": "Zhipu Huazhang Tech"})");
  ASSERT_EQ(after.status, 200);
  EXPECT_FALSE(Json(after).at("matches").at(0).at("cleared").is_null()) << after.body;
  HttpReply check = Post("/v1/compliance/check", R"({"kind": "remote_access",
      "date": "2025-06-01", "item": "h100-sxm", "site_country": "MY",
      "operator": {"hq": "US"}, "tenant": {"name": "Zhipu Huazhang Tech", "hq": "MY"}})");
  ASSERT_EQ(check.status, 200) << check.body;
  EXPECT_EQ(Str(Json(check), "verdict"), "allowed") << check.body;

  // Audited, and the chain still verifies.
  HttpReply audit = Get("/v1/audit");
  ASSERT_EQ(audit.status, 200) << audit.body;
  bool audited = false;
  const boost::json::value audit_body = Json(audit);  // owns what the loop reads
  for (const auto& e : audit_body.at("items").as_array()) {
    audited = audited || (Str(e, "action") == "screening.clear" && Str(e, "subject") == entry);
  }
  EXPECT_TRUE(audited) << audit.body;
  HttpReply verify = Get("/v1/audit/verify");
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(Json(verify).at("ok").as_bool()) << verify.body;
}

}  // namespace
}  // namespace straits

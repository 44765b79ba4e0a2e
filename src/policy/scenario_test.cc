// Runs the compliance scenarios in tests/scenarios/policy/*.toml (see the
// README there): each request goes through the API's JSON parser, screening
// against the shipped lists and the shipped packs, and the verdict and the
// exact set of fired rules are compared with the file.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "policy/check.h"
#include "policy/engine.h"
#include "policy/json.h"
#include "policy/screening.h"
#include "policy/shipped.h"

namespace straits::policy {
namespace {

namespace fs = std::filesystem;

// TOML values as JSON, so the request goes through CheckRequestFromJson.
boost::json::value ToJson(const toml::node& node) {
  if (const auto* table = node.as_table()) {
    boost::json::object out;
    for (const auto& [key, value] : *table) out[key.str()] = ToJson(value);
    return out;
  }
  if (const auto* array = node.as_array()) {
    boost::json::array out;
    for (const toml::node& element : *array) out.push_back(ToJson(element));
    return out;
  }
  if (const auto* text = node.as_string()) return boost::json::value(text->get());
  if (const auto* integer = node.as_integer()) return boost::json::value(integer->get());
  if (const auto* number = node.as_floating_point()) return boost::json::value(number->get());
  if (const auto* flag = node.as_boolean()) return boost::json::value(flag->get());
  if (const auto* date = node.as_date()) {
    char buffer[16];
    std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02d", date->get().year,
                  static_cast<int>(date->get().month), static_cast<int>(date->get().day));
    return boost::json::value(buffer);
  }
  return nullptr;
}

struct Scenario {
  std::string file;
  std::string name;
  boost::json::value request;
  std::string verdict;
  std::set<std::string> rules;
  std::vector<std::string> messages;
  bool undetermined = false;
};

void PrintTo(const Scenario& scenario, std::ostream* os) {
  *os << scenario.file << ": " << scenario.name;
}

std::vector<Scenario> LoadScenarios() {
  std::vector<Scenario> out;
  const char* root = std::getenv("STRAITS_SOURCE_DIR");
  fs::path dir = fs::path(root ? root : STRAITS_SOURCE_DIR_FALLBACK) / "tests/scenarios/policy";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    toml::table table = toml::parse_file(file.string());
    const toml::array* scenarios = table["scenario"].as_array();
    if (!scenarios) continue;
    for (const toml::node& node : *scenarios) {
      const toml::table& entry = *node.as_table();
      Scenario scenario;
      scenario.file = file.filename().string();
      scenario.name = entry["name"].value_or(std::string());
      scenario.request = ToJson(*entry.get("request"));
      scenario.verdict = entry["verdict"].value_or(std::string());
      if (const toml::array* rules = entry["rules"].as_array()) {
        for (const toml::node& rule : *rules) scenario.rules.insert(rule.value_or(std::string()));
      }
      if (const toml::array* messages = entry["messages"].as_array()) {
        for (const toml::node& message : *messages) {
          scenario.messages.push_back(message.value_or(std::string()));
        }
      }
      scenario.undetermined = entry["undetermined"].value_or(false);
      out.push_back(std::move(scenario));
    }
  }
  return out;
}

class ScenarioTest : public testing::TestWithParam<Scenario> {
 protected:
  static void SetUpTestSuite() {
    Result<Engine> engine = LoadShippedEngine();
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = new Engine(std::move(engine).value());
    Result<Screener> screener = LoadShippedScreener();
    ASSERT_TRUE(screener.ok()) << screener.status();
    screener_ = new Screener(std::move(screener).value());
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete screener_;
  }
  static Engine* engine_;
  static Screener* screener_;
};

Engine* ScenarioTest::engine_ = nullptr;
Screener* ScenarioTest::screener_ = nullptr;

TEST_P(ScenarioTest, VerdictAndFiredRules) {
  const Scenario& scenario = GetParam();
  SCOPED_TRACE(scenario.file + ": " + scenario.name);
  Result<CheckRequest> request = CheckRequestFromJson(scenario.request);
  ASSERT_TRUE(request.ok()) << request.status();
  Transaction tx;
  std::vector<PartyScreening> screenings;
  ASSERT_TRUE(BuildTransaction(*engine_, *request, screener_, tx, &screenings).ok());
  Result<PackSelection> selection = engine_->Select(request->regimes, request->only_regimes);
  ASSERT_TRUE(selection.ok()) << selection.status();
  Decision decision;
  ASSERT_TRUE(engine_->Evaluate(tx, *selection, decision).ok());
  std::set<std::string> fired;
  std::string messages;
  for (const Hit& hit : decision.hits()) {
    fired.insert(hit.pack->id + "/" + hit.rule->id);
    messages += hit.message + "\n";
  }
  std::string json = boost::json::serialize(DecisionToJson(decision, screenings));
  EXPECT_EQ(VerdictName(decision.verdict()), scenario.verdict) << json;
  EXPECT_EQ(fired, scenario.rules) << json;
  EXPECT_EQ(decision.undetermined(), scenario.undetermined) << json;
  for (const std::string& expected : scenario.messages) {
    EXPECT_NE(messages.find(expected), std::string::npos)
        << "no message contains \"" << expected << "\":\n"
        << messages;
  }
}

std::string ScenarioName(const testing::TestParamInfo<Scenario>& info) {
  std::string name =
      info.param.file.substr(0, info.param.file.find('.')) + "_" + std::to_string(info.index);
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, ScenarioTest, testing::ValuesIn(LoadScenarios()), ScenarioName);

TEST(Scenarios, FilesAreFound) { EXPECT_GE(LoadScenarios().size(), 40u); }

}  // namespace
}  // namespace straits::policy

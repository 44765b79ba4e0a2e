// Compliance benchmarks: decisions per second with every shipped pack loaded
// and full explanations (every hit's message rendered), on a deterministic
// mix of export and remote-access requests; names screened per second against
// the shipped lists, with precision and recall on the labelled set.
//
//   bench_policy [google-benchmark flags]
//   bench_policy --dump-requests FILE   writes the request mix with the
//       engine's verdicts as JSON, for the Cedar peer (bench/policy/cedar/).
#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "policy/engine.h"
#include "policy/screening.h"
#include "policy/shipped.h"

namespace straits::policy {
namespace {

const Engine& SharedEngine() {
  static const Engine* engine = [] {
    Result<Engine> loaded = LoadShippedEngine();
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::exit(1);
    }
    return new Engine(std::move(loaded).value());
  }();
  return *engine;
}

const Screener& SharedScreener() {
  static const Screener* screener = [] {
    Result<Screener> loaded = LoadShippedScreener();
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::exit(1);
    }
    return new Screener(std::move(loaded).value());
  }();
  return *screener;
}

// Deterministic pseudo-random numbers (no global state, same mix every run).
struct Lcg {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint32_t Next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[Next() % values.size()];
  }
};

// A realistic mix: mostly the chips operators lease, destinations and
// headquarters weighted toward the region, dates across the rules' history.
// Models are those whose numbers are all known, so that a peer without
// three-valued logic can compute the same decisions.
std::vector<Transaction> RequestMix(size_t count) {
  const Engine& engine = SharedEngine();
  Lcg rng;
  const std::vector<std::string> models = {
      "h100-sxm", "h100-sxm", "h200-sxm", "h20",    "a100-sxm", "a800-sxm", "l40s",
      "l40",      "rtx-4090", "b200",     "mi300x", "gaudi3",   "h800-sxm"};
  const std::vector<std::string> countries = {"MY", "MY", "SG", "SG", "CN", "US", "HK", "MO", "SA",
                                              "AE", "VN", "IL", "JP", "DE", "IN", "TH", "NI", "ID"};
  const std::vector<std::string> dates = {"2022-11-01", "2023-02-01", "2023-06-01", "2023-12-01",
                                          "2024-02-01", "2024-06-01", "2024-12-15", "2025-03-01",
                                          "2025-05-01", "2025-06-01", "2025-08-01", "2025-10-01",
                                          "2025-12-01", "2026-02-01", "2026-08-01"};
  const std::vector<std::string> names = {"Pantai Compute Sdn Bhd", "Jurong Compute Pte Ltd",
                                          "Lantau Model Labs", "Kanto Model Labs",
                                          "Riyadh Compute"};
  std::vector<Transaction> out;
  out.reserve(count);
  for (size_t idx = 0; idx < count; ++idx) {
    Transaction tx;
    tx.kind = rng.Next() % 5 < 3 ? Kind::kExport : Kind::kRemoteAccess;
    tx.date = *Instant::Parse(rng.Pick(dates));
    tx.item = engine.FindItem(*ModelId::Parse(rng.Pick(models)));
    tx.count = 1 + rng.Next() % 512;
    PartyFacts party;
    party.name = rng.Pick(names);
    party.hq = *Country::Parse(rng.Pick(countries));
    if (rng.Next() % 4 == 0) party.parent_hq = *Country::Parse(rng.Pick(countries));
    uint32_t list_roll = rng.Next() % 100;
    party.listed = list_roll < 3;
    party.affiliate_of_listed = list_roll >= 3 && list_roll < 6;
    if (party.listed || party.affiliate_of_listed) party.listed_entry = "Huawei Technologies";
    if (tx.kind == Kind::kExport) {
      tx.from = *Country::Parse(rng.Next() % 4 == 0 ? "MY" : "US");
      tx.to = *Country::Parse(rng.Pick(countries));
      tx.consignee = party;
      tx.country_total_tpp = static_cast<double>(rng.Next() % 800) * 1e6;
      tx.consignee_year_tpp = static_cast<double>(rng.Next() % 30) * 1e6;
    } else {
      tx.site_country = *Country::Parse(rng.Next() % 2 ? "MY" : "SG");
      tx.operator_party.name = "Straits Compute Inc";
      tx.operator_party.hq = *Country::Parse(rng.Next() % 2 ? "US" : "MY");
      tx.tenant = party;
      tx.end_use = static_cast<EndUse>(rng.Next() % kEndUseCount);
      tx.training_flop = static_cast<double>(rng.Next() % 100) * 1e23;
    }
    out.push_back(std::move(tx));
  }
  return out;
}

void BM_Decide(benchmark::State& state) {
  const Engine& engine = SharedEngine();
  std::vector<Transaction> requests = RequestMix(4096);
  PackSelection by_date;
  Decision decision;
  size_t idx = 0;
  size_t hits = 0;
  for (auto _ : state) {
    const Transaction& tx = requests[idx++ & 4095];
    if (!engine.Evaluate(tx, by_date, decision).ok()) state.SkipWithError("evaluate failed");
    hits += decision.hits().size();
    benchmark::DoNotOptimize(decision.verdict());
    benchmark::DoNotOptimize(decision.hits().data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["hits_per_decision"] =
      static_cast<double>(hits) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Decide);

// The same with the Diffusion pack named as well (a what-if), so every
// aggregate rule is evaluated.
void BM_DecideWhatIfDiffusion(benchmark::State& state) {
  const Engine& engine = SharedEngine();
  std::vector<Transaction> requests = RequestMix(4096);
  std::vector<std::string> named = {"us-ear-2025-01-diffusion"};
  PackSelection selection = *engine.Select(named);
  Decision decision;
  size_t idx = 0;
  for (auto _ : state) {
    if (!engine.Evaluate(requests[idx++ & 4095], selection, decision).ok()) {
      state.SkipWithError("evaluate failed");
    }
    benchmark::DoNotOptimize(decision.verdict());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecideWhatIfDiffusion);

struct Labelled {
  std::string query;
  std::optional<Country> country;
  std::string expected;
};

std::vector<Labelled> LabelledSet() {
  const char* root = std::getenv("STRAITS_SOURCE_DIR");
  std::ifstream file(std::string(root ? root : STRAITS_SOURCE_DIR_FALLBACK) +
                     "/tests/scenarios/policy/screening_labels.csv");
  std::stringstream buffer;
  buffer << file.rdbuf();
  Result<CsvTable> table = ParseCsv(buffer.str(), "screening_labels.csv");
  std::vector<Labelled> out;
  if (!table.ok()) return out;
  for (const CsvRow& row : table->rows) {
    Labelled labelled{row.fields[0], std::nullopt, row.fields[2]};
    if (!row.fields[1].empty()) labelled.country = *Country::Parse(row.fields[1]);
    out.push_back(std::move(labelled));
  }
  return out;
}

void BM_ScreenName(benchmark::State& state) {
  const Screener& screener = SharedScreener();
  std::vector<Labelled> set = LabelledSet();
  if (set.empty()) {
    state.SkipWithError("labelled set not found (set STRAITS_SOURCE_DIR)");
    return;
  }
  size_t idx = 0;
  for (auto _ : state) {
    const Labelled& item = set[idx++ % set.size()];
    std::vector<Match> matches = screener.Search(item.query, item.country);
    benchmark::DoNotOptimize(matches.data());
  }
  state.SetItemsProcessed(state.iterations());
  int true_positive = 0;
  int false_positive = 0;
  int false_negative = 0;
  for (const Labelled& item : set) {
    std::vector<Match> matches = screener.Search(item.query, item.country);
    std::string got = matches.empty() ? "" : matches[0].entry->id;
    if (!item.expected.empty() && got == item.expected) {
      ++true_positive;
    } else {
      if (!got.empty()) ++false_positive;
      if (!item.expected.empty()) ++false_negative;
    }
  }
  state.counters["precision"] = true_positive / double(true_positive + false_positive);
  state.counters["recall"] = true_positive / double(true_positive + false_negative);
  state.counters["labelled"] = static_cast<double>(set.size());
  state.counters["entries"] = static_cast<double>(screener.entries().size());
}
BENCHMARK(BM_ScreenName);

void BM_LoadShippedPacks(benchmark::State& state) {
  for (auto _ : state) {
    Result<std::vector<Pack>> packs = LoadShippedPacks();
    benchmark::DoNotOptimize(packs.ok());
  }
}
BENCHMARK(BM_LoadShippedPacks)->Unit(benchmark::kMillisecond);

boost::json::value CountryJson(const std::optional<Country>& country) {
  if (!country) return nullptr;
  return boost::json::value(std::string(country->code()));
}

// The request mix with the engine's decisions, for the Cedar peer.
int DumpRequests(const char* path) {
  const Engine& engine = SharedEngine();
  std::vector<Transaction> requests = RequestMix(4096);
  boost::json::array out;
  Decision decision;
  for (const Transaction& tx : requests) {
    if (!engine.Evaluate(tx, PackSelection{}, decision).ok()) return 1;
    const PartyFacts& party = tx.kind == Kind::kExport ? tx.consignee : tx.tenant;
    boost::json::array rules;
    for (const Hit& hit : decision.hits()) {
      rules.push_back(boost::json::value(hit.pack->id + "/" + hit.rule->id));
    }
    out.push_back(boost::json::object{
        {"kind", KindName(tx.kind)},
        {"date", tx.date.DateString()},
        {"model", tx.item->model},
        {"count", tx.count},
        {"from", CountryJson(tx.from)},
        {"to", CountryJson(tx.to)},
        {"site_country", CountryJson(tx.site_country)},
        {"operator_hq", CountryJson(tx.operator_party.hq)},
        {"party_hq", CountryJson(party.hq)},
        {"party_parent_hq", CountryJson(party.UltimateParentHq())},
        {"listed", party.listed},
        {"affiliate_of_listed", party.affiliate_of_listed},
        {"end_use", EndUseName(tx.end_use)},
        {"training_flop", tx.kind == Kind::kRemoteAccess ? tx.training_flop : 0.0},
        {"country_total_tpp", tx.kind == Kind::kExport ? tx.country_total_tpp : 0.0},
        {"consignee_year_tpp", tx.kind == Kind::kExport ? tx.consignee_year_tpp : 0.0},
        {"expected_verdict", VerdictName(decision.verdict())},
        {"expected_rules", std::move(rules)},
    });
  }
  boost::json::array items;
  for (const ItemFacts& item : engine.items()) {
    items.push_back(boost::json::object{
        {"model", item.model},
        {"origin", CountryJson(item.origin)},
        {"tpp", std::isnan(item.tpp) ? boost::json::value(nullptr) : boost::json::value(item.tpp)},
        {"pd", std::isnan(item.pd) ? boost::json::value(nullptr) : boost::json::value(item.pd)},
        {"memory_bandwidth_gbps", std::isnan(item.memory_bandwidth_gbps)
                                      ? boost::json::value(nullptr)
                                      : boost::json::value(item.memory_bandwidth_gbps)},
        {"interconnect_gbps", std::isnan(item.interconnect_gbps)
                                  ? boost::json::value(nullptr)
                                  : boost::json::value(item.interconnect_gbps)},
        {"io_bidir_gbps", item.figures.io_bidir_gbps
                              ? boost::json::value(*item.figures.io_bidir_gbps)
                              : boost::json::value(nullptr)},
        {"datacenter", item.datacenter == catalog::Truth::kTrue},
        {"computer", item.item_kind == catalog::ItemKind::kComputer},
    });
  }
  // Country-group memberships with their dates, for the peer's country entities.
  boost::json::array groups;
  for (const Pack& pack : engine.packs()) {
    for (const CountryGroup& group : pack.groups) {
      for (const GroupMembership& m : group.members()) {
        std::array<char, 2> code = CodeOf(m.country);
        groups.push_back(boost::json::object{
            {"pack", pack.id},
            {"group", group.id()},
            {"country", std::string(code.data(), 2)},
            {"from", m.from ? boost::json::value(m.from->DateString()) : nullptr},
            {"until", m.until ? boost::json::value(m.until->DateString()) : nullptr}});
      }
    }
  }
  std::ofstream file(path);
  file << boost::json::serialize(boost::json::object{
      {"requests", std::move(out)}, {"items", std::move(items)}, {"groups", std::move(groups)}});
  return file.good() ? 0 : 1;
}

}  // namespace
}  // namespace straits::policy

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--dump-requests") == 0) {
    return straits::policy::DumpRequests(argv[2]);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

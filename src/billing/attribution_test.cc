#include "billing/attribution.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "billing/default_fx.h"
#include "billing/rating.h"
#include "billing/revenue_sources.h"
#include "billing/test_world.h"

namespace straits::billing {
namespace {

using testing::At;
using testing::C;
using testing::Cur;

// Brute force: (period label, key label) -> amount, summing facts one by one.
std::map<std::pair<std::string, std::string>, int64_t> BruteForce(const RevenueFacts& facts,
                                                                  Method method,
                                                                  const PeriodSpec& spec) {
  std::map<std::pair<std::string, std::string>, int64_t> sums;
  for (const RevenueFact& f : facts.facts) {
    sums[{PeriodOf(f.date, spec).label, KeyLabel(f.keys[static_cast<size_t>(method)])}] +=
        f.amount_minor;
  }
  return sums;
}

std::map<std::pair<std::string, std::string>, int64_t> Flatten(const RevenueReport& report) {
  std::map<std::pair<std::string, std::string>, int64_t> sums;
  for (const PeriodRevenue& p : report.periods) {
    int64_t total = 0;
    for (const GroupAmount& g : p.groups) {
      sums[{p.period, g.key}] = g.amount_minor;
      total += g.amount_minor;
    }
    EXPECT_EQ(total, p.total_minor) << p.period;
  }
  return sums;
}

RevenueFacts RandomFacts(std::mt19937_64& rng, int count) {
  const std::vector<CountryKey> keys = {
      0, KeyOf(C("SG")), KeyOf(C("US")), KeyOf(C("MY")), KeyOf(C("CN")), KeyOf(C("TW"))};
  RevenueFacts facts{"USD", {}, {}};
  std::uniform_int_distribution<int64_t> day(0, 800);
  std::uniform_int_distribution<int64_t> amount(-50'000, 10'000'000);
  std::uniform_int_distribution<size_t> key(0, keys.size() - 1);
  for (int i = 0; i < count; ++i) {
    RevenueFact f;
    f.date = At("2025-01-01") + Duration::Days(day(rng)) + Duration::Seconds(day(rng) * 97);
    f.amount_minor = amount(rng);
    for (CountryKey& k : f.keys) k = keys[key(rng)];
    facts.facts.push_back(f);
  }
  return facts;
}

TEST(Attribution, ConservesRevenueAcrossMethodsAgainstBruteForce) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const RevenueFacts facts = RandomFacts(rng, 1 + static_cast<int>(seed) * 37);
    for (const PeriodSpec& spec :
         {PeriodSpec{PeriodKind::kMonth, 1}, PeriodSpec{PeriodKind::kQuarter, 1},
          PeriodSpec{PeriodKind::kFiscalQuarter, 2}, PeriodSpec{PeriodKind::kFiscalQuarter, 7},
          PeriodSpec{PeriodKind::kAll, 1}}) {
      const std::vector<RevenueReport> all = AttributeAll(facts, spec);
      ASSERT_EQ(all.size(), 5u);
      for (Method method : kAllMethods) {
        const RevenueReport& report = all[static_cast<size_t>(method)];
        EXPECT_EQ(Flatten(report), BruteForce(facts, method, spec)) << "seed " << seed;
        EXPECT_EQ(Flatten(Attribute(facts, method, spec)), Flatten(report));
        // Conservation: same periods and totals under every method.
        ASSERT_EQ(report.periods.size(), all[0].periods.size());
        for (size_t p = 0; p < report.periods.size(); ++p) {
          EXPECT_EQ(report.periods[p].period, all[0].periods[p].period);
          EXPECT_EQ(report.periods[p].total_minor, all[0].periods[p].total_minor);
        }
      }
    }
  }
}

TEST(Attribution, ReconciliationMarginsMatchBothMethods) {
  for (uint64_t seed = 100; seed < 110; ++seed) {
    std::mt19937_64 rng(seed);
    const RevenueFacts facts = RandomFacts(rng, 300);
    const PeriodSpec spec{PeriodKind::kQuarter, 1};
    for (Method rows : kAllMethods) {
      for (Method cols : kAllMethods) {
        const Reconciliation rec = Reconcile(facts, rows, cols, spec);
        const auto row_sums = BruteForce(facts, rows, spec);
        const auto col_sums = BruteForce(facts, cols, spec);
        for (const ReconciliationPeriod& p : rec.periods) {
          int64_t cells_total = 0;
          for (const ReconciliationRow& row : p.rows) {
            int64_t sum = 0;
            for (int64_t cell : row.cells) sum += cell;
            EXPECT_EQ(sum, row.total_minor);
            EXPECT_EQ(row.total_minor, row_sums.at({p.period, row.key}));
            cells_total += sum;
          }
          EXPECT_EQ(cells_total, p.total_minor);
          for (size_t c = 0; c < p.columns.size(); ++c) {
            int64_t sum = 0;
            for (const ReconciliationRow& row : p.rows) sum += row.cells[c];
            EXPECT_EQ(sum, p.column_totals[c]);
            EXPECT_EQ(sum, col_sums.at({p.period, p.columns[c]}));
          }
        }
      }
    }
  }
}

TEST(Attribution, SharesFromOtherCountries) {
  RevenueFacts facts{"USD", {}, {}};
  auto add = [&](const char* billing, const char* hq, int64_t amount) {
    RevenueFact f;
    f.date = At("2025-06-01");
    f.amount_minor = amount;
    f.keys[static_cast<size_t>(Method::kBilling)] = KeyOf(C(billing));
    f.keys[static_cast<size_t>(Method::kHq)] = KeyOf(C(hq));
    facts.facts.push_back(f);
  };
  add("SG", "US", 992);
  add("SG", "SG", 8);
  add("US", "US", 500);
  const Reconciliation rec =
      Reconcile(facts, Method::kBilling, Method::kHq, {PeriodKind::kQuarter, 1});
  ASSERT_EQ(rec.periods.size(), 1u);
  const ReconciliationPeriod& p = rec.periods[0];
  EXPECT_EQ(p.period, "2025-Q2");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].key, "SG");
  EXPECT_DOUBLE_EQ(p.rows[0].other_share, 0.992);
  EXPECT_EQ(p.rows[1].key, "US");
  EXPECT_DOUBLE_EQ(p.rows[1].other_share, 0.0);
  EXPECT_EQ(p.columns, (std::vector<std::string>{"US", "SG"}));
  const std::string json = ReconciliationToJson(rec);
  EXPECT_NE(json.find("\"other_share\":0.992"), std::string::npos) << json;
  EXPECT_NE(ReconciliationToCsv(rec).find("2025-Q2,SG,US,992,USD"), std::string::npos);
}

TEST(Attribution, MethodsAndJsonShape) {
  EXPECT_EQ(*ParseMethod("parent"), Method::kParent);
  EXPECT_EQ(ParseMethod("country").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KeyLabel(0), "unknown");
  RevenueFacts facts{"USD", {}, {}};
  RevenueFact f;
  f.date = At("2025-06-01");
  f.amount_minor = 250;
  f.keys[0] = KeyOf(C("SG"));
  facts.facts.push_back(f);
  const std::string json =
      ReportToJson(Attribute(facts, Method::kBilling, {PeriodKind::kMonth, 1}));
  EXPECT_EQ(json,
            "{\"currency\":\"USD\",\"method\":\"billing\",\"period_kind\":\"month\",\"periods\":[{"
            "\"period\":\"2025-06\",\"total_minor\":250,\"groups\":[{\"key\":\"SG\",\"amount_"
            "minor\":250,\"share\":1}]}],\"fx_rates\":[]}");
  EXPECT_EQ(ReportToCsv(Attribute(facts, Method::kSite, {PeriodKind::kMonth, 1})),
            "period,method,key,amount_minor,share,total_minor,currency\n"
            "2025-06,site,unknown,250,1,250,USD\n");
  // A date range keeps [from, to).
  EXPECT_TRUE(Attribute(facts, Method::kBilling, {PeriodKind::kMonth, 1},
                        DateRange{At("2025-06-02"), std::nullopt})
                  .periods.empty());
}

// End to end with a brute-force checker: random hourly usage for the test
// world, rated into invoices, converted to USD and attributed; compared with
// a naive per-line computation straight from the records.
TEST(Attribution, UsagePipelineMatchesNaiveComputation) {
  const BillingCatalog catalog = testing::World();
  const RateCards cards = testing::Rates();
  const FxTable fx = *FxTable::Parse(DefaultFxCsv(), "data/fx/usd-rates.csv");
  const Currency usd = Cur("USD");
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<UsageRecord> records;
    std::uniform_int_distribution<int> gpus(0, 8);
    std::uniform_int_distribution<int> skip(0, 3);
    for (const char* lease : {"L1", "L2"}) {
      for (const char* node : {"n1", "n2"}) {
        for (Instant t = At("2026-10-01"); t < At("2027-01-01"); t = t + Duration::Hours(1)) {
          if (skip(rng) == 0) continue;
          records.push_back(UsageRecord{*LeaseId::Parse(lease), *NodeId::Parse(node), t,
                                        t + Duration::Hours(1), int64_t{gpus(rng)} * 3599, 0});
        }
      }
    }
    UsageLedger ledger;
    ASSERT_TRUE(ledger.Ingest(records).ok());
    Result<std::vector<Invoice>> invoices =
        RateMonths(ledger, catalog, cards, *Month::Parse("2026-10"), *Month::Parse("2026-12"), {2});
    ASSERT_TRUE(invoices.ok()) << invoices.status();
    Result<RevenueFacts> facts = FactsFromInvoices(*invoices, catalog, fx, usd);
    ASSERT_TRUE(facts.ok()) << facts.status();

    // Naive: group records by (lease, month, rate entry), price, convert.
    std::map<std::tuple<std::string, std::string, const RateCardEntry*>, int64_t> lines;
    for (const UsageRecord& r : records) {
      const LeaseTerms& lease = *catalog.Lease(r.lease);
      const RateCardEntry* entry = *cards.Find(lease.site, lease.model, r.start);
      lines[{r.lease.str(), Month::Of(r.start).ToString(), entry}] += r.gpu_seconds;
    }
    const PeriodSpec spec{PeriodKind::kQuarter, 1};
    for (Method method : kAllMethods) {
      std::map<std::pair<std::string, std::string>, int64_t> want;
      for (const auto& [key, gpu_seconds] : lines) {
        const auto& [lease_id, month, entry] = key;
        const LeaseTerms& lease = *catalog.Lease(*LeaseId::Parse(lease_id));
        const SiteProfile& site = *catalog.Site(lease.site);
        const OrgProfile& org = *catalog.Org(catalog.Account(lease.account)->org);
        const int64_t local = *RateAmountMinor(gpu_seconds, entry->price_per_gpu_hour.minor_units(),
                                               DiscountBasisPoints(*entry, lease.term.length()));
        const Instant date = Month::Parse(month)->End();
        const int64_t amount = fx.Convert(Money(local, site.currency), usd, date)->minor_units();
        const Country countries[] = {catalog.Account(lease.account)->billing_country, org.hq,
                                     org.parent_hq, site.country, site.operator_hq};
        want[{PeriodOf(date, spec).label,
              std::string(countries[static_cast<size_t>(method)].code())}] += amount;
      }
      EXPECT_EQ(Flatten(Attribute(*facts, method, spec)), want)
          << "seed " << seed << " method " << MethodName(method);
    }
    EXPECT_FALSE(facts->rates_used.empty());
  }
}

std::string ReadRepoFile(const std::string& relative) {
  const char* root = std::getenv("STRAITS_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + relative);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The synthetic vendor ledger reproduces the published shares.
TEST(Attribution, VendorLedgerReproducesPublishedShares) {
  const std::string text = ReadRepoFile("data/demo/vendor-ledger.csv");
  ASSERT_FALSE(text.empty()) << "set STRAITS_SOURCE_DIR to the repository root";
  Result<std::vector<LedgerInvoice>> ledger = ParseLedgerCsv(text, "vendor-ledger.csv");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  const FxTable fx = *FxTable::Parse(DefaultFxCsv(), "data/fx/usd-rates.csv");
  Result<RevenueFacts> facts = FactsFromLedger(*ledger, fx, Cur("USD"), "vendor-ledger.csv");
  ASSERT_TRUE(facts.ok()) << facts.status();
  const PeriodSpec fiscal{PeriodKind::kFiscalQuarter, 2};

  const RevenueReport by_billing = Attribute(*facts, Method::kBilling, fiscal);
  ASSERT_EQ(by_billing.periods.size(), 3u);
  const PeriodRevenue& q1 = by_billing.periods[0];
  const PeriodRevenue& q2 = by_billing.periods[1];
  EXPECT_EQ(q1.period, "FY2026-Q1");
  EXPECT_EQ(q2.period, "FY2026-Q2");
  EXPECT_EQ(q2.total_minor, 4674300000000);
  auto group = [](const PeriodRevenue& p, const std::string& key) {
    for (const GroupAmount& g : p.groups) {
      if (g.key == key) return g;
    }
    return GroupAmount{key, 0, 0};
  };
  EXPECT_EQ(group(q2, "SG").amount_minor, 1028346000000);
  EXPECT_DOUBLE_EQ(group(q2, "SG").share, 0.22);
  EXPECT_DOUBLE_EQ(group(q1, "SG").share, 0.20);
  const std::string json = ReportToJson(by_billing);
  EXPECT_NE(json.find("{\"period\":\"FY2026-Q2\",\"total_minor\":4674300000000,\"groups\":["),
            std::string::npos);
  EXPECT_NE(json.find("{\"key\":\"SG\",\"amount_minor\":1028346000000,\"share\":0.22}"),
            std::string::npos);

  const Reconciliation rec = Reconcile(*facts, Method::kBilling, Method::kHq, fiscal);
  for (size_t q = 0; q < 2; ++q) {
    for (const ReconciliationRow& row : rec.periods[q].rows) {
      if (row.key == "SG") {
        EXPECT_GT(row.other_share, 0.99) << rec.periods[q].period;
      }
    }
  }

  const RevenueReport by_hq = Attribute(*facts, Method::kHq, fiscal);
  const PeriodRevenue& q3 = by_hq.periods[2];
  EXPECT_EQ(q3.period, "FY2026-Q3");
  EXPECT_EQ(q3.total_minor, 5700600000000);
  EXPECT_EQ(group(q3, "US").amount_minor, 3900000000000);
  EXPECT_EQ(group(q3, "TW").amount_minor, 1400000000000);
  EXPECT_EQ(group(q3, "CN").amount_minor, 300000000000);
  // Conservation holds on the ledger too.
  for (const RevenueReport& r : AttributeAll(*facts, fiscal)) {
    EXPECT_EQ(r.periods[2].total_minor, q3.total_minor) << MethodName(r.method);
  }
}

}  // namespace
}  // namespace straits::billing

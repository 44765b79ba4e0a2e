// Revenue attribution: where does revenue "come from"?
//
// The same revenue can be grouped by five countries, each a defensible
// answer to a different question:
//   billing   the billing account's country (where invoices are addressed)
//   hq        the customer organization's headquarters
//   parent    the headquarters of the customer's ultimate parent
//   site      the country of the site where the GPUs ran
//   operator  the headquarters of the site's operator
// Every method partitions the same facts, so every method's total for a
// period is the same (conservation of revenue; attribution_test.cc checks it
// against a brute-force sum). A fact without a value for a method (a sales
// ledger without operators) lands in the group "unknown", never disappears.
//
//   STRAITS_ASSIGN_OR_RETURN(RevenueFacts facts, FactsFromInvoices(invoices, catalog, fx, usd));
//   RevenueReport by_hq = Attribute(facts, Method::kHq, {PeriodKind::kFiscalQuarter, 2});
//   Reconciliation r = Reconcile(facts, Method::kBilling, Method::kHq, spec);
//
// Thread-safety: pure functions over immutable inputs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "billing/fx.h"
#include "billing/period.h"
#include "core/country.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::billing {

enum class Method { kBilling, kHq, kParent, kSite, kOperator };
inline constexpr int kMethodCount = 5;
inline constexpr std::array<Method, kMethodCount> kAllMethods = {
    Method::kBilling, Method::kHq, Method::kParent, Method::kSite, Method::kOperator};

// "billing", "hq", "parent", "site", "operator"; invalid_argument otherwise.
Result<Method> ParseMethod(std::string_view text);
std::string_view MethodName(Method method);

// A country as a 16-bit key; 0 means unknown.
using CountryKey = uint16_t;
CountryKey KeyOf(const Country& country);
CountryKey KeyOf(const std::optional<Country>& country);
// "SG", or "unknown" for 0.
std::string KeyLabel(CountryKey key);

// One amount of revenue in the reporting currency, with its country under
// each method (indexed by static_cast<int>(Method)).
struct RevenueFact {
  Instant date;
  int64_t amount_minor = 0;
  std::array<CountryKey, kMethodCount> keys{};
};

struct RevenueFacts {
  std::string currency;  // the reporting currency
  std::vector<RevenueFact> facts;
  FxRatesUsed rates_used;
};

// Optional half-open date range [from, to) of fact dates.
struct DateRange {
  std::optional<Instant> from;
  std::optional<Instant> to;
  bool Contains(Instant t) const { return (!from || *from <= t) && (!to || t < *to); }
};

struct GroupAmount {
  std::string key;  // "SG" or "unknown"
  int64_t amount_minor = 0;
  double share = 0;  // amount / period total; presentation only
};

struct PeriodRevenue {
  std::string period;  // "FY2026-Q2", "2025-Q3", "2025-07", "all"
  int64_t total_minor = 0;
  std::vector<GroupAmount> groups;  // largest first, then by key
};

struct RevenueReport {
  std::string currency;
  Method method = Method::kBilling;
  PeriodSpec spec;
  std::vector<PeriodRevenue> periods;  // in time order
  std::vector<FxRate> rates_used;
};

// Groups `facts` by `method` per period of `spec` within `range`. `spec` must
// be valid (PeriodSpec::Validate).
RevenueReport Attribute(const RevenueFacts& facts, Method method, const PeriodSpec& spec,
                        const DateRange& range = {});

// All five methods in one pass over the facts, in kAllMethods order.
std::vector<RevenueReport> AttributeAll(const RevenueFacts& facts, const PeriodSpec& spec,
                                        const DateRange& range = {});

struct ReconciliationRow {
  std::string key;
  int64_t total_minor = 0;
  std::vector<int64_t> cells;  // one per column key
  // Share of this row's revenue whose column country differs from the row's
  // country ("of revenue billed to SG, 99.2% is from customers headquartered
  // elsewhere"). 0 for an empty row.
  double other_share = 0;
};

struct ReconciliationPeriod {
  std::string period;
  int64_t total_minor = 0;
  std::vector<std::string> columns;  // column keys, largest first
  std::vector<int64_t> column_totals;
  std::vector<ReconciliationRow> rows;  // largest first
};

struct Reconciliation {
  std::string currency;
  Method rows = Method::kBilling;
  Method cols = Method::kHq;
  PeriodSpec spec;
  std::vector<ReconciliationPeriod> periods;
  std::vector<FxRate> rates_used;
};

// The matrix of revenue by `rows` country x `cols` country per period. Row
// totals equal Attribute(rows) and column totals equal Attribute(cols).
Reconciliation Reconcile(const RevenueFacts& facts, Method rows, Method cols,
                         const PeriodSpec& spec, const DateRange& range = {});

// JSON: {"currency":"USD","method":"billing","period_kind":"fiscal-quarter",
// "periods":[{"period":"FY2026-Q2","total_minor":...,"groups":[{"key":"SG",
// "amount_minor":...,"share":0.22}]}],"fx_rates":[{"currency":"SGD",
// "date":"2025-07-31","per_usd":"1.28"}]}
std::string ReportToJson(const RevenueReport& report);
// CSV: period,method,key,amount_minor,share,total_minor
std::string ReportToCsv(const RevenueReport& report);
std::string ReconciliationToJson(const Reconciliation& reconciliation);
// CSV: period,row,col,amount_minor
std::string ReconciliationToCsv(const Reconciliation& reconciliation);

}  // namespace straits::billing

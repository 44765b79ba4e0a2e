#include "billing/attribution.h"

#include <algorithm>
#include <map>

#include "billing/json_writer.h"

namespace straits::billing {
namespace {

// Country keys seen in one report, numbered densely so that sums live in flat
// arrays instead of per-fact map insertions.
class DenseKeys {
 public:
  DenseKeys() : index_(65536, kNone) {}
  uint16_t Of(CountryKey key) {
    uint16_t& slot = index_[key];
    if (slot == kNone) {
      slot = static_cast<uint16_t>(keys_.size());
      keys_.push_back(key);
    }
    return slot;
  }
  CountryKey Key(size_t dense) const { return keys_[dense]; }

 private:
  static constexpr uint16_t kNone = 0xFFFF;
  std::vector<uint16_t> index_;
  std::vector<CountryKey> keys_;
};

struct Sums {
  std::vector<int64_t> amount;  // by dense key
  std::vector<uint8_t> seen;
  void Add(uint16_t dense, int64_t value) {
    if (dense >= amount.size()) {
      amount.resize(dense + 1u, 0);
      seen.resize(dense + 1u, 0);
    }
    amount[dense] += value;
    seen[dense] = 1;
  }
};

struct PeriodSums {
  std::string label;
  int64_t total = 0;
  std::array<Sums, kMethodCount> by_method;
};

double Share(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// Sorted largest first, then by key label.
std::vector<GroupAmount> Groups(const Sums& sums, const DenseKeys& keys, int64_t total) {
  std::vector<GroupAmount> groups;
  for (size_t dense = 0; dense < sums.amount.size(); ++dense) {
    if (sums.seen[dense] == 0) continue;
    groups.push_back(GroupAmount{KeyLabel(keys.Key(dense)), sums.amount[dense],
                                 Share(sums.amount[dense], total)});
  }
  std::sort(groups.begin(), groups.end(), [](const GroupAmount& a, const GroupAmount& b) {
    if (a.amount_minor != b.amount_minor) return a.amount_minor > b.amount_minor;
    return a.key < b.key;
  });
  return groups;
}

std::map<int64_t, PeriodSums> SumByPeriod(const RevenueFacts& facts, const PeriodSpec& spec,
                                          const DateRange& range, uint32_t method_mask,
                                          DenseKeys& keys) {
  std::map<int64_t, PeriodSums> periods;
  PeriodSums* last = nullptr;
  int64_t last_ordinal = 0;
  for (const RevenueFact& fact : facts.facts) {
    if (!range.Contains(fact.date)) continue;
    const int64_t ordinal = PeriodOrdinal(fact.date, spec);
    // Facts arrive grouped by document, so the period rarely changes.
    if (last == nullptr || ordinal != last_ordinal) {
      auto it = periods.find(ordinal);
      if (it == periods.end()) {
        it = periods.emplace(ordinal, PeriodSums{}).first;
        it->second.label = PeriodOf(fact.date, spec).label;
      }
      last = &it->second;
      last_ordinal = ordinal;
    }
    last->total += fact.amount_minor;
    for (size_t m = 0; m < kMethodCount; ++m) {
      if ((method_mask >> m & 1U) == 0) continue;
      last->by_method[m].Add(keys.Of(fact.keys[m]), fact.amount_minor);
    }
  }
  return periods;
}

std::vector<FxRate> RatesList(const RevenueFacts& facts) {
  return std::vector<FxRate>(facts.rates_used.begin(), facts.rates_used.end());
}

void WriteRates(JsonWriter& w, const std::vector<FxRate>& rates) {
  w.Key("fx_rates").BeginArray();
  for (const FxRate& r : rates) {
    w.BeginObject();
    w.Key("currency").String(r.currency);
    w.Key("date").String(r.date.DateString());
    w.Key("per_usd").String(r.PerUsd());
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

Result<Method> ParseMethod(std::string_view text) {
  for (Method m : kAllMethods) {
    if (MethodName(m) == text) return m;
  }
  return InvalidArgument("unknown attribution method \"" + std::string(text) +
                             "\": expected billing, hq, parent, site or operator",
                         "by");
}

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kBilling:
      return "billing";
    case Method::kHq:
      return "hq";
    case Method::kParent:
      return "parent";
    case Method::kSite:
      return "site";
    case Method::kOperator:
      return "operator";
  }
  return "billing";
}

CountryKey KeyOf(const Country& country) {
  const std::string_view code = country.code();
  return static_cast<CountryKey>((static_cast<unsigned>(static_cast<unsigned char>(code[0])) << 8) |
                                 static_cast<unsigned char>(code[1]));
}

CountryKey KeyOf(const std::optional<Country>& country) {
  return country ? KeyOf(*country) : CountryKey{0};
}

std::string KeyLabel(CountryKey key) {
  if (key == 0) return "unknown";
  return std::string{static_cast<char>(key >> 8), static_cast<char>(key & 0xff)};
}

std::vector<RevenueReport> AttributeAll(const RevenueFacts& facts, const PeriodSpec& spec,
                                        const DateRange& range) {
  DenseKeys keys;
  const std::map<int64_t, PeriodSums> periods = SumByPeriod(facts, spec, range, 0x1f, keys);
  std::vector<RevenueReport> reports;
  for (Method method : kAllMethods) {
    RevenueReport report{facts.currency, method, spec, {}, RatesList(facts)};
    for (const auto& [ordinal, sums] : periods) {
      report.periods.push_back(
          PeriodRevenue{sums.label, sums.total,
                        Groups(sums.by_method[static_cast<size_t>(method)], keys, sums.total)});
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

RevenueReport Attribute(const RevenueFacts& facts, Method method, const PeriodSpec& spec,
                        const DateRange& range) {
  const auto m = static_cast<size_t>(method);
  DenseKeys keys;
  const std::map<int64_t, PeriodSums> periods = SumByPeriod(facts, spec, range, 1U << m, keys);
  RevenueReport report{facts.currency, method, spec, {}, RatesList(facts)};
  for (const auto& [ordinal, sums] : periods) {
    report.periods.push_back(
        PeriodRevenue{sums.label, sums.total, Groups(sums.by_method[m], keys, sums.total)});
  }
  return report;
}

Reconciliation Reconcile(const RevenueFacts& facts, Method rows, Method cols,
                         const PeriodSpec& spec, const DateRange& range) {
  const auto r = static_cast<size_t>(rows);
  const auto c = static_cast<size_t>(cols);
  struct Cells {
    std::string label;
    int64_t total = 0;
    std::map<std::pair<CountryKey, CountryKey>, int64_t> cells;
    std::map<CountryKey, int64_t> row_totals, col_totals;
  };
  std::map<int64_t, Cells> periods;
  for (const RevenueFact& fact : facts.facts) {
    if (!range.Contains(fact.date)) continue;
    const int64_t ordinal = PeriodOrdinal(fact.date, spec);
    auto it = periods.find(ordinal);
    if (it == periods.end()) {
      it = periods.emplace(ordinal, Cells{}).first;
      it->second.label = PeriodOf(fact.date, spec).label;
    }
    Cells& p = it->second;
    p.total += fact.amount_minor;
    p.cells[{fact.keys[r], fact.keys[c]}] += fact.amount_minor;
    p.row_totals[fact.keys[r]] += fact.amount_minor;
    p.col_totals[fact.keys[c]] += fact.amount_minor;
  }
  Reconciliation out{facts.currency, rows, cols, spec, {}, RatesList(facts)};
  for (const auto& [ordinal, p] : periods) {
    ReconciliationPeriod period{p.label, p.total, {}, {}, {}};
    std::vector<CountryKey> col_keys;
    for (const auto& [key, amount] : p.col_totals) col_keys.push_back(key);
    std::sort(col_keys.begin(), col_keys.end(), [&](CountryKey a, CountryKey b) {
      const int64_t x = p.col_totals.at(a), y = p.col_totals.at(b);
      return x != y ? x > y : KeyLabel(a) < KeyLabel(b);
    });
    for (CountryKey key : col_keys) {
      period.columns.push_back(KeyLabel(key));
      period.column_totals.push_back(p.col_totals.at(key));
    }
    std::vector<CountryKey> row_keys;
    for (const auto& [key, amount] : p.row_totals) row_keys.push_back(key);
    std::sort(row_keys.begin(), row_keys.end(), [&](CountryKey a, CountryKey b) {
      const int64_t x = p.row_totals.at(a), y = p.row_totals.at(b);
      return x != y ? x > y : KeyLabel(a) < KeyLabel(b);
    });
    for (CountryKey row_key : row_keys) {
      ReconciliationRow row{KeyLabel(row_key), p.row_totals.at(row_key), {}, 0};
      int64_t same = 0;
      for (CountryKey col_key : col_keys) {
        auto cell = p.cells.find({row_key, col_key});
        const int64_t amount = cell == p.cells.end() ? 0 : cell->second;
        row.cells.push_back(amount);
        // An unknown country is never "the same" as the row's.
        if (col_key == row_key && row_key != 0) same = amount;
      }
      row.other_share = Share(row.total_minor - same, row.total_minor);
      period.rows.push_back(std::move(row));
    }
    out.periods.push_back(std::move(period));
  }
  return out;
}

std::string ReportToJson(const RevenueReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("currency").String(report.currency);
  w.Key("method").String(MethodName(report.method));
  w.Key("period_kind").String(PeriodKindName(report.spec.kind));
  if (report.spec.kind == PeriodKind::kFiscalQuarter) {
    w.Key("fiscal_year_start_month").Int(report.spec.fiscal_year_start_month);
  }
  w.Key("periods").BeginArray();
  for (const PeriodRevenue& p : report.periods) {
    w.BeginObject();
    w.Key("period").String(p.period);
    w.Key("total_minor").Int(p.total_minor);
    w.Key("groups").BeginArray();
    for (const GroupAmount& g : p.groups) {
      w.BeginObject();
      w.Key("key").String(g.key);
      w.Key("amount_minor").Int(g.amount_minor);
      w.Key("share").Ratio(g.share);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  WriteRates(w, report.rates_used);
  w.EndObject();
  return w.str();
}

std::string ReportToCsv(const RevenueReport& report) {
  std::string out = "period,method,key,amount_minor,share,total_minor,currency\n";
  for (const PeriodRevenue& p : report.periods) {
    for (const GroupAmount& g : p.groups) {
      out += p.period + ',' + std::string(MethodName(report.method)) + ',' + g.key + ',' +
             std::to_string(g.amount_minor) + ',' + FormatRatio(g.share) + ',' +
             std::to_string(p.total_minor) + ',' + report.currency + '\n';
    }
  }
  return out;
}

std::string ReconciliationToJson(const Reconciliation& rec) {
  JsonWriter w;
  w.BeginObject();
  w.Key("currency").String(rec.currency);
  w.Key("rows").String(MethodName(rec.rows));
  w.Key("cols").String(MethodName(rec.cols));
  w.Key("period_kind").String(PeriodKindName(rec.spec.kind));
  w.Key("periods").BeginArray();
  for (const ReconciliationPeriod& p : rec.periods) {
    w.BeginObject();
    w.Key("period").String(p.period);
    w.Key("total_minor").Int(p.total_minor);
    w.Key("columns").BeginArray();
    for (size_t i = 0; i < p.columns.size(); ++i) {
      w.BeginObject();
      w.Key("key").String(p.columns[i]);
      w.Key("amount_minor").Int(p.column_totals[i]);
      w.EndObject();
    }
    w.EndArray();
    w.Key("rows").BeginArray();
    for (const ReconciliationRow& row : p.rows) {
      w.BeginObject();
      w.Key("key").String(row.key);
      w.Key("amount_minor").Int(row.total_minor);
      w.Key("other_share").Ratio(row.other_share);
      w.Key("cells").BeginArray();
      for (int64_t cell : row.cells) w.Int(cell);
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  WriteRates(w, rec.rates_used);
  w.EndObject();
  return w.str();
}

std::string ReconciliationToCsv(const Reconciliation& rec) {
  std::string out = "period,row,col,amount_minor,currency\n";
  for (const ReconciliationPeriod& p : rec.periods) {
    for (const ReconciliationRow& row : p.rows) {
      for (size_t i = 0; i < p.columns.size(); ++i) {
        if (row.cells[i] == 0) continue;
        out += p.period + ',' + row.key + ',' + p.columns[i] + ',' + std::to_string(row.cells[i]) +
               ',' + rec.currency + '\n';
      }
    }
  }
  return out;
}

}  // namespace straits::billing

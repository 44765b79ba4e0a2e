// `straits report revenue` and `straits report reconcile`: revenue attribution
// by billing country, customer headquarters, ultimate parent, site country and
// operator headquarters, over Straits' own invoices or an imported sales ledger.
#include <cstdio>

#include "billing/attribution.h"
#include "billing/decimal.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"

namespace straits::cli {
namespace {

struct ReportFlags {
  billing_store::ReportParams params;
  std::string by;
  std::string rows = "billing";
  std::string cols = "hq";
  bool json = false;
  bool csv = false;
};

// "fiscal_year_start" -> "--fiscal-year-start".
std::string FlagName(std::string_view field) {
  std::string out = "--" + std::string(field);
  for (char& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

Result<billing::Method> MethodFlag(const std::string& text, const char* flag) {
  Result<billing::Method> method = billing::ParseMethod(text);
  if (!method.ok()) return InvalidArgument(method.status().message(), flag);
  return method;
}

// The reporting currency's major units: 1028346000000 minor USD -> "10,283,460,000.00".
std::string Major(int64_t minor, int digits) {
  std::string text = billing::FormatScaledDecimal(minor < 0 ? -minor : minor, digits);
  const size_t point = text.find('.');
  const size_t int_end = point == std::string::npos ? text.size() : point;
  std::string grouped;
  for (size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) grouped += ',';
    grouped += text[i];
  }
  return (minor < 0 ? "-" : "") + grouped + text.substr(int_end);
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100);
  return buf;
}

// How a reconciliation row's country and "elsewhere" read for each method.
const char* RowPhrase(billing::Method m) {
  switch (m) {
    case billing::Method::kBilling:
      return "of revenue billed to";
    case billing::Method::kHq:
      return "of revenue from customers headquartered in";
    case billing::Method::kParent:
      return "of revenue from groups headquartered in";
    case billing::Method::kSite:
      return "of revenue from compute in";
    case billing::Method::kOperator:
      return "of revenue on capacity of operators headquartered in";
  }
  return "";
}

const char* ElsewherePhrase(billing::Method m) {
  switch (m) {
    case billing::Method::kBilling:
      return "is billed elsewhere";
    case billing::Method::kHq:
      return "is from customers headquartered elsewhere";
    case billing::Method::kParent:
      return "is from customers whose ultimate parent is headquartered elsewhere";
    case billing::Method::kSite:
      return "ran on GPUs elsewhere";
    case billing::Method::kOperator:
      return "ran on capacity of operators headquartered elsewhere";
  }
  return "";
}

struct Opened {
  std::unique_ptr<store::Store> fleet;
  std::unique_ptr<billing_store::BillingStore> billing;
};

Result<Opened> Open(const GlobalOptions& options) {
  Opened opened;
  STRAITS_ASSIGN_OR_RETURN(opened.fleet, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(opened.billing, billing_store::OpenSqliteBillingStore(options.db_path));
  return opened;
}

void PrintRates(const std::vector<billing::FxRate>& rates) {
  if (rates.empty()) return;
  std::printf("FX rates used (units per USD):");
  for (const billing::FxRate& r : rates) {
    std::printf(" %s %s on %s;", r.currency.c_str(), r.PerUsd().c_str(),
                r.date.DateString().c_str());
  }
  std::printf("\n");
}

Status Revenue(const GlobalOptions& options, const ReportFlags& flags) {
  if (flags.by.empty()) {
    return InvalidArgument("give the method: billing, hq, parent, site or operator", "--by");
  }
  STRAITS_ASSIGN_OR_RETURN(billing::Method method, MethodFlag(flags.by, "--by"));
  STRAITS_ASSIGN_OR_RETURN(billing_store::ReportQuery query,
                           billing_store::ParseReportParams(flags.params, FlagName));
  STRAITS_ASSIGN_OR_RETURN(Opened opened, Open(options));
  billing_store::BillingService service(*opened.fleet, *opened.billing);
  STRAITS_ASSIGN_OR_RETURN(billing::RevenueReport report, service.Revenue({}, query, method));
  if (flags.json) {
    std::printf("%s\n", billing::ReportToJson(report).c_str());
    return Status::Ok();
  }
  if (flags.csv) {
    std::printf("%s", billing::ReportToCsv(report).c_str());
    return Status::Ok();
  }
  const int digits = Currency::Parse(report.currency)->minor_units();
  std::printf("Revenue by %s, %s, %s\n", std::string(billing::MethodName(method)).c_str(),
              std::string(billing::PeriodKindName(report.spec.kind)).c_str(),
              report.currency.c_str());
  if (report.periods.empty()) std::printf("no revenue in range\n");
  for (const billing::PeriodRevenue& period : report.periods) {
    Table table({"PERIOD", "KEY", "AMOUNT", "SHARE"});
    for (const billing::GroupAmount& g : period.groups) {
      table.AddRow({period.period, g.key, Major(g.amount_minor, digits), Percent(g.share)});
    }
    table.AddRow({period.period, "total", Major(period.total_minor, digits), "100.0%"});
    table.Print(stdout);
  }
  PrintRates(report.rates_used);
  return Status::Ok();
}

Status Reconcile(const GlobalOptions& options, const ReportFlags& flags) {
  STRAITS_ASSIGN_OR_RETURN(billing::Method rows, MethodFlag(flags.rows, "--rows"));
  STRAITS_ASSIGN_OR_RETURN(billing::Method cols, MethodFlag(flags.cols, "--cols"));
  if (rows == cols) return InvalidArgument("--rows and --cols must differ", "--cols");
  STRAITS_ASSIGN_OR_RETURN(billing_store::ReportQuery query,
                           billing_store::ParseReportParams(flags.params, FlagName));
  STRAITS_ASSIGN_OR_RETURN(Opened opened, Open(options));
  billing_store::BillingService service(*opened.fleet, *opened.billing);
  STRAITS_ASSIGN_OR_RETURN(billing::Reconciliation rec, service.Reconcile({}, query, rows, cols));
  if (flags.json) {
    std::printf("%s\n", billing::ReconciliationToJson(rec).c_str());
    return Status::Ok();
  }
  if (flags.csv) {
    std::printf("%s", billing::ReconciliationToCsv(rec).c_str());
    return Status::Ok();
  }
  const int digits = Currency::Parse(rec.currency)->minor_units();
  std::printf("Revenue by %s (rows) x %s (columns), %s, %s\n",
              std::string(billing::MethodName(rows)).c_str(),
              std::string(billing::MethodName(cols)).c_str(),
              std::string(billing::PeriodKindName(rec.spec.kind)).c_str(), rec.currency.c_str());
  if (rec.periods.empty()) std::printf("no revenue in range\n");
  for (const billing::ReconciliationPeriod& period : rec.periods) {
    std::vector<std::string> header = {period.period + " " + std::string(MethodName(rows))};
    for (const std::string& c : period.columns) header.push_back(c);
    header.push_back("TOTAL");
    header.push_back("ELSEWHERE");
    Table table(header);
    for (const billing::ReconciliationRow& row : period.rows) {
      std::vector<std::string> cells = {row.key};
      for (int64_t cell : row.cells) cells.push_back(Major(cell, digits));
      cells.push_back(Major(row.total_minor, digits));
      cells.push_back(Percent(row.other_share));
      table.AddRow(std::move(cells));
    }
    std::vector<std::string> totals = {"total"};
    for (int64_t t : period.column_totals) totals.push_back(Major(t, digits));
    totals.push_back(Major(period.total_minor, digits));
    totals.push_back("");
    table.AddRow(std::move(totals));
    table.Print(stdout);
    for (const billing::ReconciliationRow& row : period.rows) {
      if (row.key == "unknown" || row.other_share == 0) continue;
      std::printf("  %s: %s %s, %s %s\n", period.period.c_str(), RowPhrase(rows), row.key.c_str(),
                  Percent(row.other_share).c_str(), ElsewherePhrase(cols));
    }
  }
  PrintRates(rec.rates_used);
  return Status::Ok();
}

void AddCommonFlags(CLI::App* cmd, ReportFlags& flags) {
  billing_store::ReportParams& p = flags.params;
  cmd->add_option("--period", p.period, "month, quarter (default), fiscal-quarter or all");
  cmd->add_option("--fiscal-year-start", p.fiscal_year_start,
                  "First month of the fiscal year, MM (default 01); FY named by the year it ends");
  cmd->add_option("--from", p.from, "From this date or month (inclusive), YYYY-MM-DD or YYYY-MM");
  cmd->add_option("--to", p.to, "Up to this date or month (exclusive)");
  cmd->add_option("--currency", p.currency, "Reporting currency (default USD)");
  cmd->add_option("--source", p.source,
                  "leases (issued invoices, default) or ledger (imported sales ledger)");
  CLI::Option* json = cmd->add_flag("--json", flags.json, "Machine-readable JSON");
  CLI::Option* csv = cmd->add_flag("--csv", flags.csv, "CSV");
  json->excludes(csv);
}

}  // namespace

void RegisterReportCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  CLI::App* group = SubcommandGroup(app, "report", "Reports: revenue attribution");
  {
    auto flags = std::make_shared<ReportFlags>();
    CLI::App* revenue = group->add_subcommand(
        "revenue",
        "Revenue per period grouped by billing country, customer HQ, ultimate parent HQ, site "
        "country or operator HQ; the totals are the same under every method");
    revenue->add_option("--by", flags->by, "billing, hq, parent, site or operator")->required();
    AddCommonFlags(revenue, *flags);
    revenue->callback([&options, report, flags] { report(Revenue(options, *flags)); });
  }
  {
    auto flags = std::make_shared<ReportFlags>();
    CLI::App* reconcile = group->add_subcommand(
        "reconcile",
        "The matrix between two methods, and per row the share from other countries (\"of "
        "revenue billed to SG, 99.2% is from customers headquartered elsewhere\")");
    reconcile->add_option("--rows", flags->rows, "Method of the rows (default billing)");
    reconcile->add_option("--cols", flags->cols, "Method of the columns (default hq)");
    AddCommonFlags(reconcile, *flags);
    reconcile->callback([&options, report, flags] { report(Reconcile(options, *flags)); });
  }
}

}  // namespace straits::cli

#include "billing_store/billing_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "billing/csv_fields.h"
#include "billing/default_fx.h"
#include "billing/ledger.h"
#include "billing/rate_card.h"
#include "billing/rating.h"
#include "billing/revenue_sources.h"
#include "core/csv.h"
#include "fleet/validate.h"

namespace straits::billing_store {
namespace {

using billing::AccountId;
using billing::Invoice;

constexpr int64_t kSecondsPerDay = 86400;

// Reads every page of a fleet listing.
template <typename T, typename Fetch>
Result<std::vector<T>> All(Fetch fetch) {
  std::vector<T> out;
  store::PageRequest page{.limit = 1000, .cursor = ""};
  for (;;) {
    STRAITS_ASSIGN_OR_RETURN(store::Page<T> result, fetch(page));
    for (T& item : result.items) out.push_back(std::move(item));
    if (result.next_cursor.empty()) return out;
    page.cursor = result.next_cursor;
  }
}

std::string Where(std::string_view source, int line) {
  return std::string(source) + ":" + std::to_string(line);
}

Status ColumnError(std::string_view source, int line, std::string_view column,
                   const std::string& why) {
  return InvalidArgument("column \"" + std::string(column) + "\": " + why, Where(source, line));
}

// The account a tenant organization is invoiced through.
billing::BillingAccount DerivedAccount(const fleet::Organization& org) {
  return billing::BillingAccount{*AccountId::Parse(org.id.str()), org.id,
                                 org.billing_country.value_or(org.hq)};
}

Result<Instant> ParseBound(const std::string& text, const std::string& field) {
  if (text.size() == 7) {
    Result<billing::Month> month = billing::Month::Parse(text);
    if (!month.ok()) return InvalidArgument(month.status().message(), field);
    return month->Start();
  }
  if (text.size() != 10) {
    return InvalidArgument("\"" + text + "\" is not a date: expected YYYY-MM-DD or YYYY-MM", field);
  }
  Result<Instant> date = Instant::Parse(text);
  if (!date.ok()) return InvalidArgument(date.status().message(), field);
  return date;
}

// The latest issued invoice of the series `base` (the invoice itself or its
// newest replacement "<base>-R<n>") and how many replacements it has had.
struct Series {
  const Invoice* latest = nullptr;
  int revisions = 0;
};

Series FindSeries(const std::vector<Invoice>& issued, const std::string& base) {
  Series series;
  int best = -1;
  for (const Invoice& doc : issued) {
    if (doc.kind != billing::DocumentKind::kInvoice) continue;
    int revision = -1;
    if (doc.id == base) {
      revision = 0;
    } else if (doc.id.size() > base.size() + 2 && doc.id.compare(0, base.size(), base) == 0 &&
               doc.id.compare(base.size(), 2, "-R") == 0) {
      const std::string digits = doc.id.substr(base.size() + 2);
      if (digits.empty() || digits.size() > 6 ||
          !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      revision = std::stoi(digits);
    }
    if (revision < 0) continue;
    series.revisions = std::max(series.revisions, revision);
    if (revision > best) {
      best = revision;
      series.latest = &doc;
    }
  }
  return series;
}

}  // namespace

Result<ReportQuery> ParseReportParams(const ReportParams& params,
                                      const std::function<std::string(std::string_view)>& name_of) {
  auto name = [&](std::string_view field) { return name_of ? name_of(field) : std::string(field); };
  ReportQuery query;
  if (!params.period.empty()) {
    Result<billing::PeriodKind> kind = billing::ParsePeriodKind(params.period);
    if (!kind.ok()) return InvalidArgument(kind.status().message(), name("period"));
    query.spec.kind = *kind;
  }
  if (!params.fiscal_year_start.empty()) {
    const std::string& text = params.fiscal_year_start;
    const bool digits = text.size() <= 2 && std::all_of(text.begin(), text.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    const int month = digits ? std::stoi(text) : 0;
    if (month < 1 || month > 12) {
      return InvalidArgument("\"" + text + "\" is not a month: expected 1..12 (or 01..12)",
                             name("fiscal_year_start"));
    }
    query.spec.fiscal_year_start_month = month;
  }
  if (!params.from.empty()) {
    STRAITS_ASSIGN_OR_RETURN(query.range.from, ParseBound(params.from, name("from")));
  }
  if (!params.to.empty()) {
    STRAITS_ASSIGN_OR_RETURN(query.range.to, ParseBound(params.to, name("to")));
  }
  if (query.range.from && query.range.to && !(*query.range.from < *query.range.to)) {
    return InvalidArgument("the range is empty: " + name("to") + " must be after " + name("from"),
                           name("to"));
  }
  if (!params.currency.empty()) {
    Result<Currency> currency = Currency::Parse(params.currency);
    if (!currency.ok()) return InvalidArgument(currency.status().message(), name("currency"));
    query.currency = std::string(currency->code());
  }
  if (!params.source.empty()) {
    if (params.source == "leases") {
      query.source = RevenueSource::kLeases;
    } else if (params.source == "ledger") {
      query.source = RevenueSource::kLedger;
    } else {
      return InvalidArgument("unknown source \"" + params.source + "\": expected leases or ledger",
                             name("source"));
    }
  }
  return query;
}

// --- Imports -----------------------------------------------------------------

Result<billing::IngestStats> BillingService::ImportUsage(std::string_view text,
                                                         std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::UsageRecord> records,
                           billing::ParseUsageCsv(text, source));
  return IngestChecked(records, source);
}

Result<billing::IngestStats> BillingService::RecordMeteredUsage(
    std::span<const ServiceLease> leases, std::span<const billing::UsageRecord> records,
    std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> stored, billing_.ListAccounts());
  std::set<std::string> has_account;
  for (const billing::BillingAccount& a : stored) has_account.insert(a.id.str());
  std::vector<billing::LeaseTerms> terms;
  std::vector<billing::BillingAccount> new_accounts;
  for (const ServiceLease& l : leases) {
    Result<fleet::Organization> org = fleet_.GetOrg(l.tenant);
    if (!org.ok()) {
      return Status(org.status().code(),
                    "lease " + l.id.str() + ": tenant: " + org.status().message(), "tenant");
    }
    const billing::BillingAccount account = DerivedAccount(*org);
    if (has_account.insert(account.id.str()).second) new_accounts.push_back(account);
    terms.push_back(billing::LeaseTerms{l.id, account.id, l.site, l.model, l.gpus, l.term});
  }
  if (!new_accounts.empty()) STRAITS_RETURN_IF_ERROR(billing_.PutAccounts(new_accounts));
  STRAITS_RETURN_IF_ERROR(billing_.PutLeaseTerms(terms));
  return IngestChecked(records, source);
}

Result<billing::IngestStats> BillingService::IngestChecked(
    std::span<const billing::UsageRecord> records, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(billing::BillingCatalog catalog, LoadCatalog());
  STRAITS_RETURN_IF_ERROR(billing::CheckUsageLeases(records, catalog, source));
  // The nodes of every site the batch's leases run at.
  std::map<SiteId, std::unordered_set<std::string>> site_nodes;
  for (const billing::UsageRecord& r : records) {
    const billing::LeaseTerms* lease = catalog.Lease(r.lease);
    if (site_nodes.count(lease->site) != 0) continue;
    STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Node> nodes,
                             All<fleet::Node>([&](const store::PageRequest& page) {
                               return fleet_.ListNodes(lease->site, page);
                             }));
    std::unordered_set<std::string>& names = site_nodes[lease->site];
    for (const fleet::Node& node : nodes) names.insert(node.hostname.str());
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const billing::UsageRecord& r = records[i];
    const billing::LeaseTerms* lease = catalog.Lease(r.lease);
    if (site_nodes[lease->site].count(r.node.str()) == 0) {
      return ColumnError(source, r.line, "node",
                         "node " + r.node.str() + " is not a node of site " + lease->site.str() +
                             ", where lease " + lease->id.str() + " runs");
    }
    if (r.start < lease->term.start() || lease->term.end() < r.end) {
      return ColumnError(source, r.line, "start",
                         "usage " + r.start.ToString() + " .. " + r.end.ToString() +
                             " lies outside the term of lease " + lease->id.str() + " " +
                             lease->term.ToString());
    }
    const int64_t most = int64_t{lease->gpus} * (r.end - r.start).seconds();
    if (r.gpu_seconds > most) {
      return ColumnError(source, r.line, "gpu_seconds",
                         std::to_string(r.gpu_seconds) + " GPU-seconds exceed what lease " +
                             lease->id.str() + " (" + std::to_string(lease->gpus) +
                             " GPUs) can use in the interval: at most " + std::to_string(most));
    }
  }
  return billing_.IngestUsage(records, source);
}

Result<ImportStats> BillingService::ImportRateCards(std::string_view text,
                                                    std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(billing::RateCards cards, billing::ParseRateCardsCsv(text, source));
  std::set<SiteId> checked;
  for (const billing::RateCardEntry& e : cards.entries()) {
    if (checked.insert(e.site).second) {
      Result<store::SiteDetail> site = fleet_.GetSite(e.site);
      if (!site.ok()) {
        if (site.status().code() != StatusCode::kNotFound) return site.status();
        return ColumnError(source, e.line, "site", "unknown site \"" + e.site.str() + "\"");
      }
    }
    if (known_model_ && !known_model_(e.model)) {
      return ColumnError(
          source, e.line, "model",
          "unknown accelerator model \"" + e.model.str() + "\" (see `straits accelerators list`)");
    }
  }
  return billing_.AddRateCards(cards, source);
}

Result<ImportStats> BillingService::ImportLeaseTerms(std::string_view text,
                                                     std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(
      billing::ColumnMap cols,
      billing::ColumnMap::Make(table, {"lease", "tenant", "site", "model", "gpus", "start", "end"},
                               source));
  STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Organization> orgs,
                           All<fleet::Organization>([&](const store::PageRequest& page) {
                             return fleet_.ListOrgs(page);
                           }));
  std::map<OrgId, const fleet::Organization*> org_by_id;
  for (const fleet::Organization& o : orgs) org_by_id[o.id] = &o;
  std::map<SiteId, bool> site_exists;
  std::vector<LeaseTermsRow> rows;
  std::map<std::string, billing::BillingAccount> accounts;
  for (const CsvRow& row : table.rows) {
    billing::FieldReader in(row, cols, source);
    STRAITS_ASSIGN_OR_RETURN(LeaseId lease, in.Parse<LeaseId>("lease"));
    STRAITS_ASSIGN_OR_RETURN(OrgId tenant, in.Parse<OrgId>("tenant"));
    STRAITS_ASSIGN_OR_RETURN(SiteId site, in.Parse<SiteId>("site"));
    STRAITS_ASSIGN_OR_RETURN(ModelId model, in.Parse<ModelId>("model"));
    STRAITS_ASSIGN_OR_RETURN(int64_t gpus, in.Integer("gpus"));
    STRAITS_ASSIGN_OR_RETURN(Instant start, in.Time("start"));
    STRAITS_ASSIGN_OR_RETURN(Instant end, in.Time("end"));
    auto org = org_by_id.find(tenant);
    if (org == org_by_id.end()) {
      return in.Error("tenant", "unknown organization \"" + tenant.str() + "\"");
    }
    if (!org->second->is_tenant) {
      return in.Error("tenant", "organization \"" + tenant.str() + "\" is not of kind tenant");
    }
    auto [known_site, first] = site_exists.try_emplace(site, false);
    if (first) {
      Result<store::SiteDetail> detail = fleet_.GetSite(site);
      if (!detail.ok() && detail.status().code() != StatusCode::kNotFound) return detail.status();
      known_site->second = detail.ok();
    }
    if (!known_site->second) return in.Error("site", "unknown site \"" + site.str() + "\"");
    if (known_model_ && !known_model_(model)) {
      return in.Error("model", "unknown accelerator model \"" + model.str() +
                                   "\" (see `straits accelerators list`)");
    }
    if (gpus < 1 || gpus > 1'000'000) {
      return in.Error("gpus", std::to_string(gpus) + " is not a GPU count: expected 1..1000000");
    }
    if (end <= start) {
      return in.Error("end", "end " + end.ToString() + " must be after start " + start.ToString());
    }
    billing::BillingAccount account = DerivedAccount(*org->second);
    accounts.emplace(account.id.str(), account);
    rows.push_back(LeaseTermsRow{
        billing::LeaseTerms{std::move(lease), account.id, std::move(site), std::move(model),
                            static_cast<int>(gpus), *Interval::Make(start, end)},
        row.line});
  }
  std::vector<billing::BillingAccount> account_list;
  for (auto& [id, account] : accounts) account_list.push_back(account);
  STRAITS_ASSIGN_OR_RETURN(ImportStats stats, billing_.AddLeaseTerms(rows, source));
  STRAITS_RETURN_IF_ERROR(billing_.PutAccounts(account_list));
  return stats;
}

Result<ImportStats> BillingService::ImportLedger(std::string_view text, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::LedgerInvoice> rows,
                           billing::ParseLedgerCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(billing::FxTable fx, LoadFx());
  for (const billing::LedgerInvoice& r : rows) {
    Result<billing::FxRate> rate = fx.RateFor(r.amount.currency(), r.date);
    if (!rate.ok()) {
      return Status(rate.status().code(), "column \"currency\": " + rate.status().message(),
                    Where(source, r.line));
    }
  }
  return billing_.AddLedger(rows, source);
}

Result<ImportStats> BillingService::ImportFx(std::string_view text, std::string_view source) {
  return billing_.AddFxFile(FxFile{std::string(source), std::string(text)});
}

// --- Reference ---------------------------------------------------------------

Result<billing::BillingCatalog> BillingService::LoadCatalog() {
  STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Organization> orgs,
                           All<fleet::Organization>([&](const store::PageRequest& page) {
                             return fleet_.ListOrgs(page);
                           }));
  STRAITS_ASSIGN_OR_RETURN(
      std::vector<fleet::Site> sites,
      All<fleet::Site>([&](const store::PageRequest& page) { return fleet_.ListSites(page); }));
  STRAITS_ASSIGN_OR_RETURN(billing::RateCards cards, billing_.LoadRateCards());
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> accounts, billing_.ListAccounts());
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::LeaseTerms> leases, billing_.ListLeaseTerms());

  std::map<OrgId, const fleet::Organization*> by_id;
  for (const fleet::Organization& o : orgs) by_id[o.id] = &o;
  auto parent_of = [&](const OrgId& id) -> std::optional<std::optional<OrgId>> {
    auto it = by_id.find(id);
    if (it == by_id.end()) return std::nullopt;
    return it->second->parent;
  };
  std::vector<billing::OrgProfile> profiles;
  profiles.reserve(orgs.size());
  std::set<std::string> account_ids;
  for (const billing::BillingAccount& a : accounts) account_ids.insert(a.id.str());
  for (const fleet::Organization& o : orgs) {
    STRAITS_ASSIGN_OR_RETURN(OrgId top, fleet::UltimateParent(o.id, parent_of));
    profiles.push_back(billing::OrgProfile{o.id, o.hq, top, by_id.at(top)->hq});
    if (o.is_tenant && account_ids.count(o.id.str()) == 0) accounts.push_back(DerivedAccount(o));
  }
  std::map<std::string, Currency> site_currency;
  for (const billing::RateCardEntry& e : cards.entries()) {
    site_currency.emplace(e.site.str(), e.price_per_gpu_hour.currency());
  }
  const Currency usd = *Currency::Parse("USD");
  std::vector<billing::SiteProfile> site_profiles;
  site_profiles.reserve(sites.size());
  for (const fleet::Site& s : sites) {
    auto op = by_id.find(s.operator_id);
    if (op == by_id.end()) {
      return Internal("site " + s.id.str() + " names unknown operator " + s.operator_id.str());
    }
    auto currency = site_currency.find(s.id.str());
    site_profiles.push_back(billing::SiteProfile{
        s.id, s.country, currency == site_currency.end() ? usd : currency->second, s.operator_id,
        op->second->hq});
  }
  return billing::BillingCatalog::Make(std::move(accounts), std::move(profiles),
                                       std::move(site_profiles), std::move(leases));
}

Result<billing::FxTable> BillingService::LoadFx() {
  STRAITS_ASSIGN_OR_RETURN(std::vector<FxFile> files, billing_.ListFxFiles());
  if (files.empty())
    return billing::FxTable::Parse(billing::DefaultFxCsv(), "data/fx/usd-rates.csv");
  billing::FxTable table;
  for (const FxFile& file : files) {
    STRAITS_ASSIGN_OR_RETURN(billing::FxTable one, billing::FxTable::Parse(file.text, file.source));
    STRAITS_RETURN_IF_ERROR(table.Merge(one));
  }
  return table;
}

Result<std::vector<billing::BillingAccount>> BillingService::Accounts(const Scope& scope) {
  STRAITS_ASSIGN_OR_RETURN(billing::BillingCatalog catalog, LoadCatalog());
  std::vector<billing::BillingAccount> out;
  for (const billing::BillingAccount& a : catalog.accounts()) {
    if (scope.Sees(a.org)) out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Status BillingService::SyncAccounts() {
  STRAITS_ASSIGN_OR_RETURN(std::vector<fleet::Organization> orgs,
                           All<fleet::Organization>([&](const store::PageRequest& page) {
                             return fleet_.ListOrgs(page);
                           }));
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> stored, billing_.ListAccounts());
  std::set<std::string> known;
  for (const billing::BillingAccount& a : stored) known.insert(a.id.str());
  std::vector<billing::BillingAccount> missing;
  for (const fleet::Organization& o : orgs) {
    if (o.is_tenant && known.count(o.id.str()) == 0) missing.push_back(DerivedAccount(o));
  }
  return billing_.PutAccounts(missing);
}

// --- Invoices ----------------------------------------------------------------

Result<GenerateResult> BillingService::GenerateInvoices(billing::Month month, Instant now,
                                                        const GenerateOptions& options) {
  if (now < month.End()) {
    return FailedPrecondition("month " + month.ToString() + " is not over until " +
                              month.End().DateString() +
                              "; invoices are issued once their month has ended");
  }
  if (options.correct && options.reason.empty()) {
    return InvalidArgument("corrections need a reason (it is printed on the credit note)",
                           "reason");
  }
  STRAITS_RETURN_IF_ERROR(SyncAccounts());
  STRAITS_ASSIGN_OR_RETURN(billing::BillingCatalog catalog, LoadCatalog());
  STRAITS_ASSIGN_OR_RETURN(billing::RateCards cards, billing_.LoadRateCards());
  STRAITS_ASSIGN_OR_RETURN(billing::UsageLedger ledger,
                           billing_.LoadUsage(month.Start(), month.End()));
  STRAITS_ASSIGN_OR_RETURN(std::vector<Invoice> drafts,
                           billing::RateMonths(ledger, catalog, cards, month, month));
  STRAITS_ASSIGN_OR_RETURN(std::vector<Invoice> issued,
                           billing_.ListDocuments(DocumentFilter{month, std::nullopt}));
  const Instant today = Instant::FromUnixSeconds(
      now.unix_seconds() -
      ((now.unix_seconds() % kSecondsPerDay) + kSecondsPerDay) % kSecondsPerDay);
  GenerateResult result;
  for (Invoice& draft : drafts) {
    const Series series = FindSeries(issued, draft.id);
    if (series.latest == nullptr) {
      result.issued.push_back(std::move(draft));
      continue;
    }
    if (billing::SameCharges(*series.latest, draft)) {
      result.unchanged.push_back(series.latest->id);
      continue;
    }
    if (!options.correct) {
      result.differing.push_back(series.latest->id);
      continue;
    }
    const int revision = series.revisions + 1;
    STRAITS_ASSIGN_OR_RETURN(
        billing::Correction correction,
        billing::CorrectInvoice(*series.latest, draft, today, revision, options.reason));
    // Name every correction after the original invoice, however many came
    // before: CN-<id>-R2 reverses <id>-R1 and <id>-R2 replaces it.
    const std::string suffix = "-R" + std::to_string(revision);
    correction.credit_note.id = "CN-" + draft.id + suffix;
    correction.replacement.id = draft.id + suffix;
    result.issued.push_back(std::move(correction.credit_note));
    result.issued.push_back(std::move(correction.replacement));
  }
  STRAITS_RETURN_IF_ERROR(billing_.IssueDocuments(result.issued, now));
  return result;
}

Result<LeaseUsage> BillingService::UsageOfLease(const Scope& scope, const LeaseId& lease) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::LeaseTerms> all, billing_.ListLeaseTerms());
  auto terms = std::find_if(all.begin(), all.end(),
                            [&](const billing::LeaseTerms& t) { return t.id == lease; });
  const Status unknown = NotFound(
      "no usage for lease \"" + lease.str() + "\": it has no billing terms (it was never metered)",
      "id");
  if (terms == all.end()) return unknown;
  if (scope.tenant) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> mine, Accounts(scope));
    const bool own = std::any_of(mine.begin(), mine.end(), [&](const billing::BillingAccount& a) {
      return a.id == terms->account;
    });
    if (!own) return unknown;
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::UsageRecord> records, billing_.UsageOfLease(lease));
  return LeaseUsage{*terms, std::move(records)};
}

Result<std::vector<Invoice>> BillingService::ListInvoices(const Scope& scope,
                                                          std::optional<billing::Month> period,
                                                          std::optional<AccountId> account) {
  DocumentFilter filter{period, std::nullopt};
  if (scope.tenant || account) {
    std::vector<AccountId> ids;
    if (scope.tenant) {
      STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> mine, Accounts(scope));
      for (const billing::BillingAccount& a : mine) {
        if (!account || a.id == *account) ids.push_back(a.id);
      }
    } else {
      ids.push_back(*account);
    }
    filter.accounts = std::move(ids);
  }
  return billing_.ListDocuments(filter);
}

Result<Invoice> BillingService::GetInvoice(const Scope& scope, const std::string& id) {
  STRAITS_ASSIGN_OR_RETURN(Invoice doc, billing_.GetDocument(id));
  if (scope.tenant) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> mine, Accounts(scope));
    const bool own = std::any_of(mine.begin(), mine.end(), [&](const billing::BillingAccount& a) {
      return a.id == doc.account;
    });
    // The same answer as for an id that does not exist: another tenant's
    // invoice ids are not disclosed.
    if (!own) return NotFound("no invoice or credit note \"" + id + "\"", "id");
  }
  return doc;
}

// --- Revenue attribution -----------------------------------------------------

Result<billing::RevenueFacts> BillingService::Facts(const Scope& scope, const ReportQuery& query) {
  STRAITS_ASSIGN_OR_RETURN(Currency reporting, Currency::Parse(query.currency));
  STRAITS_ASSIGN_OR_RETURN(billing::FxTable fx, LoadFx());
  if (query.source == RevenueSource::kLedger) {
    if (scope.tenant) {
      return PermissionDenied(
          "the imported sales ledger is operator data; tenants see revenue "
          "from their own invoices only");
    }
    STRAITS_ASSIGN_OR_RETURN(BillingStore::LedgerRows ledger, billing_.LoadLedger());
    // Rows outside the range are left out before conversion, so a range needs
    // FX rates only for the dates it covers.
    billing::RevenueFacts facts{query.currency, {}, {}};
    std::map<std::string, std::vector<billing::LedgerInvoice>> by_source;
    for (size_t i = 0; i < ledger.rows.size(); ++i) {
      if (!query.range.Contains(ledger.rows[i].date)) continue;
      by_source[ledger.sources[i]].push_back(std::move(ledger.rows[i]));
    }
    for (const auto& [source, rows] : by_source) {
      STRAITS_ASSIGN_OR_RETURN(billing::RevenueFacts part,
                               billing::FactsFromLedger(rows, fx, reporting, source));
      facts.facts.insert(facts.facts.end(), part.facts.begin(), part.facts.end());
      facts.rates_used.insert(part.rates_used.begin(), part.rates_used.end());
    }
    std::sort(facts.facts.begin(), facts.facts.end(),
              [](const auto& a, const auto& b) { return a.date < b.date; });
    return facts;
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<Invoice> documents,
                           ListInvoices(scope, std::nullopt, std::nullopt));
  std::erase_if(documents, [&](const Invoice& d) { return !query.range.Contains(d.issue_date); });
  STRAITS_ASSIGN_OR_RETURN(billing::BillingCatalog catalog, LoadCatalog());
  return billing::FactsFromInvoices(documents, catalog, fx, reporting);
}

Result<billing::RevenueReport> BillingService::Revenue(const Scope& scope, const ReportQuery& query,
                                                       billing::Method method) {
  STRAITS_RETURN_IF_ERROR(query.spec.Validate());
  STRAITS_ASSIGN_OR_RETURN(billing::RevenueFacts facts, Facts(scope, query));
  return billing::Attribute(facts, method, query.spec, query.range);
}

Result<billing::Reconciliation> BillingService::Reconcile(const Scope& scope,
                                                          const ReportQuery& query,
                                                          billing::Method rows,
                                                          billing::Method cols) {
  STRAITS_RETURN_IF_ERROR(query.spec.Validate());
  STRAITS_ASSIGN_OR_RETURN(billing::RevenueFacts facts, Facts(scope, query));
  return billing::Reconcile(facts, rows, cols, query.spec, query.range);
}

}  // namespace straits::billing_store

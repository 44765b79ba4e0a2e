// BillingService: what the `straits` billing commands and the billing HTTP
// routes do, in one place, so that both present the same results and errors.
// It joins the fleet (core store: organizations, sites, nodes) with the
// billing repository and runs the pure billing engine (billing/) over them.
//
//   BillingService billing(*fleet_store, *billing_store, is_known_model);
//   STRAITS_ASSIGN_OR_RETURN(auto stats, billing.ImportUsage(text, "usage.csv"));
//   STRAITS_ASSIGN_OR_RETURN(auto result,
//       billing.GenerateInvoices(*billing::Month::Parse("2026-10"), now, {}));
//
// Where billing's view of the world comes from (LoadCatalog):
//   - organizations: the fleet's, with the headquarters of their ultimate parent;
//   - billing accounts: one per tenant organization (id = the organization's
//     id, country = its billing country, else its headquarters), stored when
//     lease terms referring to it are imported; stored accounts win;
//   - sites: the fleet's; a site invoices in the currency of its rate cards
//     (one per site, enforced at import), USD while it has none;
//   - leases: the billing terms imported with `straits import lease-terms`
//     (lease, tenant, site, model, GPUs, term), until the lease service
//     provides them.
//
// Tenant scope: a non-empty `Scope::tenant` restricts invoices and the
// revenue drawn from them to that organization's accounts; the imported sales
// ledger is operator data (permission_denied for a tenant).
//
// Errors: as the billing engine and BillingStore document; imports name
// `source:line` and the column. Thread-safety: as safe as the stores it holds
// (both are thread-safe); holds no state of its own.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "billing/attribution.h"
#include "billing/catalog.h"
#include "billing/fx.h"
#include "billing/invoice.h"
#include "billing/period.h"
#include "billing/usage.h"
#include "billing_store/billing_store.h"
#include "store/store.h"

namespace straits::billing_store {

// Whose data a caller may see.
struct Scope {
  std::optional<OrgId> tenant;  // none: everything (operator, finance)
  // Subsidiaries the tenant was granted besides `tenant`.
  std::vector<OrgId> granted = {};
  bool Sees(const OrgId& org) const {
    if (!tenant || org == *tenant) return true;
    return std::find(granted.begin(), granted.end(), org) != granted.end();
  }
};

struct LeaseUsage {
  billing::LeaseTerms terms;
  std::vector<billing::UsageRecord> records;  // by start, node, series
};

enum class RevenueSource { kLeases, kLedger };

// A revenue or reconciliation report's parameters, validated.
struct ReportQuery {
  billing::PeriodSpec spec;
  billing::DateRange range;
  std::string currency = "USD";
  RevenueSource source = RevenueSource::kLeases;
};

// The same parameters as text, the way flags and query strings carry them.
// Empty means the default: period "quarter", fiscal_year_start 1, no from/to,
// currency "USD", source "leases". `from` and `to` are dates (YYYY-MM-DD) or
// months (YYYY-MM, meaning the month's first day); the range is [from, to).
struct ReportParams {
  std::string period = {};
  std::string fiscal_year_start = {};
  std::string from = {};
  std::string to = {};
  std::string currency = {};
  std::string source = {};
};

// invalid_argument naming the parameter as `name_of` spells it: the CLI passes
// a function turning "fiscal_year_start" into "--fiscal-year-start", the API
// leaves it as is.
Result<ReportQuery> ParseReportParams(
    const ReportParams& params,
    const std::function<std::string(std::string_view)>& name_of = nullptr);

struct GenerateOptions {
  // Issue a credit note and a replacement for every issued invoice whose
  // charges changed since (late usage); otherwise such invoices are only
  // reported in `differing`.
  bool correct = false;
  std::string reason = {};
};

struct GenerateResult {
  std::vector<billing::Invoice> issued;  // new invoices, credit notes and replacements
  std::vector<std::string> unchanged;    // already issued with exactly these charges
  std::vector<std::string> differing;    // issued, but the usage now rates differently
};

// A lease run by the lease service, as billing needs to know it.
struct ServiceLease {
  LeaseId id;
  OrgId tenant;  // an organization of kind tenant
  SiteId site;
  ModelId model;
  int gpus = 0;
  Interval term;
};

class BillingService {
 public:
  using KnownModel = std::function<bool(const ModelId&)>;

  // Both stores must outlive the service. `known_model` (may be null: every
  // model is accepted) checks accelerator models in rate cards and lease terms.
  BillingService(store::Store& fleet, BillingStore& billing, KnownModel known_model = nullptr)
      : fleet_(fleet), billing_(billing), known_model_(std::move(known_model)) {}

  // --- Imports: `text` is a file's contents, `source` its name for errors. ---
  // Usage records (billing/usage.h). Beyond the ledger's rules: the lease must
  // have billing terms (not_found otherwise), the node must be one of the
  // lease's site, the record must lie within the lease's term and use at most
  // its GPUs (invalid_argument at `source:line`).
  Result<billing::IngestStats> ImportUsage(std::string_view text, std::string_view source);
  // One lease's billing terms and usage records. not_found when the lease has
  // no billing terms, or when they belong to an account `scope` does not see
  // (the same answer, so other tenants' lease ids are not disclosed).
  Result<LeaseUsage> UsageOfLease(const Scope& scope, const LeaseId& lease);
  // Usage metered from the lease service's leases (metering/): stores the
  // terms of `leases` (replacing earlier terms of the same leases, which
  // follow extensions and terminations) and the accounts of their tenants
  // that have none yet, then ingests `records` with ImportUsage's checks.
  // Every record's lease must be in `leases`. not_found for an unknown
  // tenant; errors of ImportUsage otherwise.
  Result<billing::IngestStats> RecordMeteredUsage(std::span<const ServiceLease> leases,
                                                  std::span<const billing::UsageRecord> records,
                                                  std::string_view source);
  // Rate cards (billing/rate_card.h); sites must exist and models be known.
  Result<ImportStats> ImportRateCards(std::string_view text, std::string_view source);
  // Lease terms CSV: `lease,tenant,site,model,gpus,start,end` (any order, extra
  // columns ignored); the tenant is an organization of kind tenant, start and
  // end ISO 8601 UTC (or dates).
  Result<ImportStats> ImportLeaseTerms(std::string_view text, std::string_view source);
  // An external sales ledger (billing/ledger.h); every row must be
  // convertible to USD with the FX table in use (not_found at `source:line`).
  Result<ImportStats> ImportLedger(std::string_view text, std::string_view source);
  // An FX table file; once any is imported, the imported files replace the
  // shipped table.
  Result<ImportStats> ImportFx(std::string_view text, std::string_view source);

  // --- Reference ---
  Result<billing::BillingCatalog> LoadCatalog();
  // The FX table in use: the imported files merged, or the shipped table.
  Result<billing::FxTable> LoadFx();
  // The accounts of `scope` (all when it has no tenant).
  Result<std::vector<billing::BillingAccount>> Accounts(const Scope& scope);

  // --- Invoices ---
  // Rates `month` and issues what is new (see GenerateOptions). The month must
  // be over at `now` (failed_precondition otherwise); corrections are dated on
  // `now`'s day.
  Result<GenerateResult> GenerateInvoices(billing::Month month, Instant now,
                                          const GenerateOptions& options);
  // Issued documents visible to `scope`, optionally of one month and account.
  Result<std::vector<billing::Invoice>> ListInvoices(const Scope& scope,
                                                     std::optional<billing::Month> period,
                                                     std::optional<billing::AccountId> account);
  // not_found (field "id") also for another tenant's document.
  Result<billing::Invoice> GetInvoice(const Scope& scope, const std::string& id);

  // --- Revenue attribution ---
  Result<billing::RevenueReport> Revenue(const Scope& scope, const ReportQuery& query,
                                         billing::Method method);
  Result<billing::Reconciliation> Reconcile(const Scope& scope, const ReportQuery& query,
                                            billing::Method rows, billing::Method cols);

 private:
  Result<billing::RevenueFacts> Facts(const Scope& scope, const ReportQuery& query);
  // ImportUsage's checks against the fleet and the lease terms, then ingest.
  Result<billing::IngestStats> IngestChecked(std::span<const billing::UsageRecord> records,
                                             std::string_view source);
  // Stores the derived account of every tenant organization.
  Status SyncAccounts();

  store::Store& fleet_;
  BillingStore& billing_;
  KnownModel known_model_;
};

}  // namespace straits::billing_store

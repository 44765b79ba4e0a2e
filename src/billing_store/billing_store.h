// BillingStore: the repository of everything billing persists — usage
// records, rate cards, billing accounts, the billing terms of leases, issued
// invoices and credit notes, imported sales ledgers and the FX tables in use.
//
// It keeps the billing engine's rules (billing/) at the database boundary:
//   - usage ingest is idempotent and all-or-nothing: a record equal to a
//     stored one is skipped, one overlapping a different stored record of the
//     same lease and node fails the whole batch (UsageLedger semantics,
//     checked against the stored records of the series the batch touches);
//   - issued documents are immutable: an id is issued once (already_exists
//     afterwards), and the database itself refuses UPDATE and DELETE on them
//     (triggers), so corrections can only be credit notes;
//   - imports of rate cards, lease terms, ledger rows and FX tables are
//     idempotent (a row equal to a stored one is "unchanged") and refuse to
//     change a stored row (invalid_argument at `source:line`);
//   - every method that writes more than one row does so in one transaction.
//
// The store validates what it can see itself (overlaps, duplicates, the
// consistency of the rate cards as a whole); references into the fleet (does
// this site, tenant or node exist?) are checked by the caller before writing
// (billing_store/billing_service.h does both).
//
// Error codes: invalid_argument (bad or conflicting input, naming `source:line`
// or the field), already_exists (an issued document id), not_found (no such
// document; a credit note against an unknown invoice), failed_precondition
// (credits beyond an invoice's total; a database whose billing schema is newer
// than this binary), unavailable (database busy or unreachable), internal (a
// corrupt row).
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "billing/entities.h"
#include "billing/fx.h"
#include "billing/invoice.h"
#include "billing/ledger.h"
#include "billing/period.h"
#include "billing/rate_card.h"
#include "billing/usage.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::billing_store {

// What an import did: rows written, and rows equal to ones already held.
struct ImportStats {
  int64_t added = 0;
  int64_t unchanged = 0;
};

// A lease's billing terms with the source line it came from (0 if none).
struct LeaseTermsRow {
  billing::LeaseTerms terms;
  int line = 0;
};

// Which issued documents to list. Every field narrows the selection.
struct DocumentFilter {
  std::optional<billing::Month> period;
  // Only documents of these accounts (a tenant's view); empty optional: all.
  std::optional<std::vector<billing::AccountId>> accounts;
};

// An FX table file as imported: its name and verbatim text.
struct FxFile {
  std::string source;
  std::string text;
};

class BillingStore {
 public:
  virtual ~BillingStore() = default;

  // --- Usage ---------------------------------------------------------------
  // Adds `records` (see the file comment). Errors as UsageLedger::Ingest, with
  // `source:line` of the offending record.
  virtual Result<billing::IngestStats> IngestUsage(std::span<const billing::UsageRecord> records,
                                                   std::string_view source) = 0;
  // The records starting in [from, to), ingested in time order.
  virtual Result<billing::UsageLedger> LoadUsage(Instant from, Instant to) = 0;
  // Every record of one lease, by start, node and series (the primary key
  // leads with the lease, so this reads only that lease's rows).
  virtual Result<std::vector<billing::UsageRecord>> UsageOfLease(const LeaseId& lease) = 0;
  virtual Result<int64_t> CountUsage() = 0;

  // --- Rate cards ----------------------------------------------------------
  // Adds the entries of `cards`. An entry for a stored (site, model,
  // effective_from) must equal it (unchanged) — a price in force never changes
  // under invoices already issued; a new price is a new effective date. The
  // stored and new entries together must pass RateCards::Make, and all entries
  // of one site must be in one currency (the site's invoicing currency).
  virtual Result<ImportStats> AddRateCards(const billing::RateCards& cards,
                                           std::string_view source) = 0;
  virtual Result<billing::RateCards> LoadRateCards() = 0;

  // --- Accounts and lease terms ---------------------------------------------
  // Inserts or updates accounts by id.
  virtual Status PutAccounts(std::span<const billing::BillingAccount> accounts) = 0;
  virtual Result<std::vector<billing::BillingAccount>> ListAccounts() = 0;
  // Adds lease terms; a row for a stored lease must equal it (unchanged).
  virtual Result<ImportStats> AddLeaseTerms(std::span<const LeaseTermsRow> rows,
                                            std::string_view source) = 0;
  virtual Result<std::vector<billing::LeaseTerms>> ListLeaseTerms() = 0;
  // Inserts or replaces the terms of leases run by the lease service, whose
  // term follows the lease (an extension, an early termination), unlike
  // imported terms, which never change.
  virtual Status PutLeaseTerms(std::span<const billing::LeaseTerms> terms) = 0;

  // --- Metering watermark ----------------------------------------------------
  // Up to when the lease service's leases have been metered into usage
  // records (metering/); nullopt when they never have been.
  virtual Result<std::optional<Instant>> MeteredUntil() = 0;
  // Records a new watermark. invalid_argument (field "until") when it is
  // before the stored one: the watermark only moves forward.
  virtual Status SetMeteredUntil(Instant until) = 0;

  // --- Issued documents ------------------------------------------------------
  // Issues `documents` (invoices and credit notes) together or not at all,
  // with InvoiceRegister::Add semantics against what is already issued.
  // `now` is recorded as the time of issue.
  virtual Status IssueDocuments(std::span<const billing::Invoice> documents, Instant now) = 0;
  // not_found (field "id") for an unknown id.
  virtual Result<billing::Invoice> GetDocument(const std::string& id) = 0;
  // Sorted by (period, account, id).
  virtual Result<std::vector<billing::Invoice>> ListDocuments(const DocumentFilter& filter) = 0;

  // --- External sales ledgers -----------------------------------------------
  // Adds ledger rows; a row whose invoice id is stored must equal it
  // (unchanged), otherwise invalid_argument at `source:line`, column
  // "invoice_id".
  virtual Result<ImportStats> AddLedger(std::span<const billing::LedgerInvoice> rows,
                                        std::string_view source) = 0;
  // Every stored row, by date then invoice id; `line` is its line in the file
  // it came from, and `sources[i]` names that file.
  struct LedgerRows {
    std::vector<billing::LedgerInvoice> rows;
    std::vector<std::string> sources;
  };
  virtual Result<LedgerRows> LoadLedger() = 0;

  // --- FX tables --------------------------------------------------------------
  // Stores an FX table file. The imported files together must merge
  // (FxTable::Merge: no second rate for a date and currency). A file equal to
  // one already imported is unchanged (added 0, unchanged 1).
  virtual Result<ImportStats> AddFxFile(const FxFile& file) = 0;
  // Imported files, oldest first (empty: the shipped table is in use).
  virtual Result<std::vector<FxFile>> ListFxFiles() = 0;
};

}  // namespace straits::billing_store

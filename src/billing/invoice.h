// Invoices and credit notes.
//
// An invoice covers one billing account, one calendar month and one currency
// (an account leasing at sites with different currencies gets one invoice per
// currency). It has one line per lease and price: a lease whose rate changed
// during the month has one line per price in force. Each line's amount is
// rounded half-to-even once (rate_card.h); the total is the exact sum of the
// lines.
//
// Issued documents are immutable. A mistake is corrected by a credit note
// that reverses the issued invoice (CorrectInvoice), together with a
// replacement invoice; a goodwill or SLA credit is a credit note for part of
// an invoice (PartialCredit). InvoiceRegister holds issued documents and
// refuses anything that would change one.
//
// Thread-safety: documents are values. InvoiceRegister needs external
// synchronization for Add; const methods may run concurrently.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "billing/entities.h"
#include "billing/period.h"
#include "billing/rate_card.h"
#include "core/money.h"
#include "core/status.h"

namespace straits::billing {

enum class DocumentKind { kInvoice, kCreditNote };
std::string_view DocumentKindName(DocumentKind kind);  // "invoice", "credit_note"

struct InvoiceLine {
  LeaseId lease;
  SiteId site;
  ModelId model;
  PriceSegment usage;  // the stretch of the month, GPU-seconds, unit price, discount
  Money amount;        // negative on credit notes
  // Empty for rated usage (DescribeLine derives the text); set on credit lines.
  std::string description;
};

// The line's description, or "GPU time, <model> at <site>" for rated usage.
std::string DescribeLine(const InvoiceLine& line);

struct Invoice {
  std::string id;  // "INV-2026-10-acme-sg-SGD"; credit notes "CN-..."
  DocumentKind kind = DocumentKind::kInvoice;
  AccountId account;
  Month period;
  Instant issue_date;  // the first day after the period for invoices
  Currency currency;
  std::vector<InvoiceLine> lines;
  Money total;
  std::string corrects;  // the invoice a credit note or replacement corrects
  std::string reason;    // why a credit note was issued
};

// The exact sum of `lines` (same currency). invalid_argument on overflow.
Result<Money> SumLines(const Currency& currency, std::span<const InvoiceLine> lines);

// True if `a` and `b` bill the same lines and amounts (ids and dates aside).
bool SameCharges(const Invoice& a, const Invoice& b);

struct Correction {
  Invoice credit_note;  // reverses every line of the original
  Invoice replacement;  // the recomputed invoice, id `<original>-R<n>`
};

// Reverses `issued` and re-issues `recomputed` on `date`. `revision` (>= 1)
// numbers corrections of one invoice. failed_precondition if `issued` is not
// an invoice or `recomputed` bills exactly the same charges; invalid_argument
// if `recomputed` is for another account, period or currency.
Result<Correction> CorrectInvoice(const Invoice& issued, const Invoice& recomputed, Instant date,
                                  int revision, std::string reason);

// A credit note for `amount` (> 0, at most the invoice's total) against
// `issued`, as one line. invalid_argument otherwise.
Result<Invoice> PartialCredit(const Invoice& issued, const Money& amount, Instant date,
                              std::string id, std::string reason);

// The issued documents. Add never replaces: already_exists for a taken id;
// invalid_argument if the total is not the sum of the lines or a credit note
// is for another account or currency than its invoice; not_found for a credit
// note against an unknown invoice; failed_precondition if credits against an
// invoice would exceed its total.
class InvoiceRegister {
 public:
  Status Add(Invoice document);
  const Invoice* Find(const std::string& id) const;
  // Issued documents sorted by (period, account, id).
  std::vector<const Invoice*> List(std::optional<AccountId> account = std::nullopt) const;
  // Credit notes issued against `invoice_id`.
  std::vector<const Invoice*> CreditsFor(const std::string& invoice_id) const;

 private:
  std::map<std::string, Invoice> documents_;
};

// One CSV row per line: invoice_id,kind,account,period,issue_date,currency,
// lease,site,model,from,to,gpu_seconds,unit_price,discount_percent,amount,corrects.
std::string InvoicesToCsv(std::span<const Invoice> documents);
// {"id":..., "kind":..., "account":..., "period":"2026-10", "issue_date":...,
//  "currency":"SGD", "total":"123.45", "total_minor":12345, "lines":[...]}.
std::string InvoiceToJson(const Invoice& document);
// A JSON array of InvoiceToJson.
std::string InvoicesToJson(std::span<const Invoice> documents);

}  // namespace straits::billing

#include "billing/invoice.h"

#include <algorithm>

#include "billing/decimal.h"
#include "billing/json_writer.h"

namespace straits::billing {

std::string_view DocumentKindName(DocumentKind kind) {
  return kind == DocumentKind::kInvoice ? "invoice" : "credit_note";
}

Result<Money> SumLines(const Currency& currency, std::span<const InvoiceLine> lines) {
  Money total(0, currency);
  for (const InvoiceLine& line : lines) {
    STRAITS_ASSIGN_OR_RETURN(total, total.Add(line.amount));
  }
  return total;
}

std::string DescribeLine(const InvoiceLine& line) {
  if (!line.description.empty()) return line.description;
  return "GPU time, " + line.model.str() + " at " + line.site.str();
}

bool SameCharges(const Invoice& a, const Invoice& b) {
  if (a.lines.size() != b.lines.size() || !(a.total == b.total)) return false;
  for (size_t i = 0; i < a.lines.size(); ++i) {
    const InvoiceLine& x = a.lines[i];
    const InvoiceLine& y = b.lines[i];
    if (!(x.lease == y.lease) || !(x.amount == y.amount) ||
        x.usage.gpu_seconds != y.usage.gpu_seconds || !(x.usage.unit_price == y.usage.unit_price) ||
        x.usage.discount_bp != y.usage.discount_bp) {
      return false;
    }
  }
  return true;
}

Result<Correction> CorrectInvoice(const Invoice& issued, const Invoice& recomputed, Instant date,
                                  int revision, std::string reason) {
  if (issued.kind != DocumentKind::kInvoice) {
    return FailedPrecondition("only invoices can be corrected; " + issued.id + " is a credit note");
  }
  if (!(issued.account == recomputed.account) || !(issued.period == recomputed.period) ||
      !(issued.currency == recomputed.currency)) {
    return InvalidArgument("the recomputed invoice is for another account, period or currency",
                           "recomputed");
  }
  if (revision < 1) return InvalidArgument("revision must be at least 1", "revision");
  if (SameCharges(issued, recomputed)) {
    return FailedPrecondition("nothing to correct: " + issued.id +
                              " already bills exactly these charges");
  }
  const std::string suffix = "-R" + std::to_string(revision);
  Invoice credit = issued;
  credit.id = "CN-" + issued.id + suffix;
  credit.kind = DocumentKind::kCreditNote;
  credit.issue_date = date;
  credit.corrects = issued.id;
  credit.reason = reason;
  for (InvoiceLine& line : credit.lines) {
    line.amount = line.amount.Negated();
    line.description = "reversal: " + DescribeLine(line);
  }
  credit.total = issued.total.Negated();
  Invoice replacement = recomputed;
  replacement.id = issued.id + suffix;
  replacement.kind = DocumentKind::kInvoice;
  replacement.issue_date = date;
  replacement.corrects = issued.id;
  replacement.reason = std::move(reason);
  return Correction{std::move(credit), std::move(replacement)};
}

Result<Invoice> PartialCredit(const Invoice& issued, const Money& amount, Instant date,
                              std::string id, std::string reason) {
  if (issued.kind != DocumentKind::kInvoice) {
    return FailedPrecondition("credit notes are issued against invoices; " + issued.id +
                              " is a credit note");
  }
  if (!(amount.currency() == issued.currency)) {
    return InvalidArgument("credit is in " + std::string(amount.currency().code()) +
                               " but the invoice is in " + std::string(issued.currency.code()),
                           "amount");
  }
  if (amount.minor_units() <= 0 || amount.minor_units() > issued.total.minor_units()) {
    return InvalidArgument("credit " + amount.ToString() + " must be positive and at most the " +
                               "invoice total " + issued.total.ToString(),
                           "amount");
  }
  if (issued.lines.empty()) return FailedPrecondition("invoice " + issued.id + " has no lines");
  Invoice credit = issued;
  credit.id = std::move(id);
  credit.kind = DocumentKind::kCreditNote;
  credit.issue_date = date;
  credit.corrects = issued.id;
  credit.reason = reason;
  InvoiceLine line = issued.lines.front();
  line.usage.gpu_seconds = 0;
  line.amount = amount.Negated();
  line.description = "credit: " + reason;
  credit.lines = {line};
  credit.total = amount.Negated();
  return credit;
}

Status InvoiceRegister::Add(Invoice document) {
  if (document.id.empty()) return InvalidArgument("document id is missing", "id");
  if (documents_.count(document.id) != 0) {
    return AlreadyExists("document " + document.id +
                             " is already issued and cannot change; "
                             "issue a credit note to correct it",
                         "id");
  }
  STRAITS_ASSIGN_OR_RETURN(Money sum, SumLines(document.currency, document.lines));
  if (!(sum == document.total)) {
    return InvalidArgument(
        "total " + document.total.ToString() + " is not the sum of the lines " + sum.ToString(),
        "total");
  }
  if (document.kind == DocumentKind::kCreditNote) {
    const Invoice* original = Find(document.corrects);
    if (original == nullptr) {
      return NotFound(
          "credit note " + document.id + " corrects unknown invoice \"" + document.corrects + "\"",
          "corrects");
    }
    if (!(original->account == document.account) || !(original->currency == document.currency)) {
      return InvalidArgument(
          "credit note " + document.id + " must be for the account and currency of " + original->id,
          "corrects");
    }
    int64_t credited = 0;
    for (const Invoice* c : CreditsFor(original->id)) credited += c->total.minor_units();
    if (original->total.minor_units() + credited + document.total.minor_units() < 0) {
      return FailedPrecondition("credits against " + original->id + " would exceed its total " +
                                original->total.ToString());
    }
  }
  documents_.emplace(document.id, std::move(document));
  return Status::Ok();
}

const Invoice* InvoiceRegister::Find(const std::string& id) const {
  auto it = documents_.find(id);
  return it == documents_.end() ? nullptr : &it->second;
}

std::vector<const Invoice*> InvoiceRegister::List(std::optional<AccountId> account) const {
  std::vector<const Invoice*> out;
  for (const auto& [id, doc] : documents_) {
    if (!account || doc.account == *account) out.push_back(&doc);
  }
  std::sort(out.begin(), out.end(), [](const Invoice* a, const Invoice* b) {
    if (!(a->period == b->period)) return a->period < b->period;
    if (!(a->account == b->account)) return a->account < b->account;
    return a->id < b->id;
  });
  return out;
}

std::vector<const Invoice*> InvoiceRegister::CreditsFor(const std::string& invoice_id) const {
  std::vector<const Invoice*> out;
  for (const auto& [id, doc] : documents_) {
    if (doc.kind == DocumentKind::kCreditNote && doc.corrects == invoice_id) out.push_back(&doc);
  }
  return out;
}

std::string InvoicesToCsv(std::span<const Invoice> documents) {
  std::string out =
      "invoice_id,kind,account,period,issue_date,currency,lease,site,model,from,to,gpu_seconds,"
      "unit_price,discount_percent,amount,corrects\n";
  for (const Invoice& doc : documents) {
    for (const InvoiceLine& line : doc.lines) {
      out += CsvField(doc.id) + ',' + std::string(DocumentKindName(doc.kind)) + ',' +
             CsvField(doc.account.str()) + ',' + doc.period.ToString() + ',' +
             doc.issue_date.DateString() + ',' + std::string(doc.currency.code()) + ',' +
             CsvField(line.lease.str()) + ',' + CsvField(line.site.str()) + ',' +
             CsvField(line.model.str()) + ',' + line.usage.from.ToString() + ',' +
             line.usage.to.ToString() + ',' + std::to_string(line.usage.gpu_seconds) + ',' +
             line.usage.unit_price.AmountString() + ',' +
             FormatScaledDecimal(line.usage.discount_bp, 2) + ',' + line.amount.AmountString() +
             ',' + CsvField(doc.corrects) + '\n';
    }
  }
  return out;
}

namespace {

void WriteInvoice(JsonWriter& w, const Invoice& doc) {
  w.BeginObject();
  w.Key("id").String(doc.id);
  w.Key("kind").String(DocumentKindName(doc.kind));
  w.Key("account").String(doc.account.str());
  w.Key("period").String(doc.period.ToString());
  w.Key("issue_date").String(doc.issue_date.DateString());
  w.Key("currency").String(doc.currency.code());
  w.Key("total").String(doc.total.AmountString());
  w.Key("total_minor").Int(doc.total.minor_units());
  if (!doc.corrects.empty()) w.Key("corrects").String(doc.corrects);
  if (!doc.reason.empty()) w.Key("reason").String(doc.reason);
  w.Key("lines").BeginArray();
  for (const InvoiceLine& line : doc.lines) {
    w.BeginObject();
    w.Key("lease").String(line.lease.str());
    w.Key("site").String(line.site.str());
    w.Key("model").String(line.model.str());
    w.Key("from").String(line.usage.from.ToString());
    w.Key("to").String(line.usage.to.ToString());
    w.Key("gpu_seconds").Int(line.usage.gpu_seconds);
    w.Key("unit_price").String(line.usage.unit_price.AmountString());
    w.Key("discount_percent").String(FormatScaledDecimal(line.usage.discount_bp, 2));
    w.Key("amount").String(line.amount.AmountString());
    w.Key("amount_minor").Int(line.amount.minor_units());
    w.Key("description").String(DescribeLine(line));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string InvoiceToJson(const Invoice& document) {
  JsonWriter w;
  WriteInvoice(w, document);
  return w.str();
}

std::string InvoicesToJson(std::span<const Invoice> documents) {
  JsonWriter w;
  w.BeginArray();
  for (const Invoice& doc : documents) WriteInvoice(w, doc);
  w.EndArray();
  return w.str();
}

}  // namespace straits::billing

#include "billing/ledger.h"

#include <unordered_map>

#include "billing/csv_fields.h"
#include "billing/decimal.h"
#include "core/csv.h"

namespace straits::billing {

Result<std::vector<LedgerInvoice>> ParseLedgerCsv(std::string_view text, std::string_view source) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source));
  STRAITS_ASSIGN_OR_RETURN(ColumnMap cols,
                           ColumnMap::Make(table,
                                           {"invoice_id", "date", "customer", "billing_country",
                                            "hq_country", "ship_to_country", "amount", "currency"},
                                           source));
  std::vector<LedgerInvoice> out;
  out.reserve(table.rows.size());
  std::unordered_map<std::string, int> seen;  // invoice id -> line
  for (const CsvRow& row : table.rows) {
    FieldReader in(row, cols, source);
    STRAITS_ASSIGN_OR_RETURN(std::string id, in.NonEmpty("invoice_id"));
    auto [it, inserted] = seen.emplace(id, row.line);
    if (!inserted) {
      return in.Error("invoice_id", "duplicate invoice id \"" + id + "\" (first at line " +
                                        std::to_string(it->second) + ")");
    }
    STRAITS_ASSIGN_OR_RETURN(Instant date, in.Date("date"));
    STRAITS_ASSIGN_OR_RETURN(std::string customer, in.NonEmpty("customer"));
    STRAITS_ASSIGN_OR_RETURN(Country billing, in.CountryCode("billing_country"));
    STRAITS_ASSIGN_OR_RETURN(Country hq, in.CountryCode("hq_country"));
    STRAITS_ASSIGN_OR_RETURN(Country ship_to, in.CountryCode("ship_to_country"));
    std::optional<Country> parent, op;
    if (!in.Text("parent_country").empty()) {
      STRAITS_ASSIGN_OR_RETURN(parent, in.CountryCode("parent_country"));
    }
    if (!in.Text("operator_country").empty()) {
      STRAITS_ASSIGN_OR_RETURN(op, in.CountryCode("operator_country"));
    }
    STRAITS_ASSIGN_OR_RETURN(Currency currency, in.CurrencyCode("currency"));
    Result<int64_t> minor = ParseScaledDecimal(in.Text("amount"), currency.minor_units(),
                                               /*allow_negative=*/true);
    if (!minor.ok()) return in.Error("amount", minor.status().message());
    if (*minor < 0) {
      return in.Error("amount", "\"" + std::string(in.Text("amount")) +
                                    "\" is negative: record refunds as credit notes in the "
                                    "issuing system, not as negative invoices");
    }
    out.push_back(LedgerInvoice{std::move(id), date, std::move(customer), billing, hq, ship_to,
                                parent, op, Money(*minor, currency), row.line});
  }
  return out;
}

}  // namespace straits::billing

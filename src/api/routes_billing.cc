// Invoices and revenue attribution. The billing repository lives in the same
// database as the core store (Services::db_path); it is opened once per
// process (billing_store/shared.h). A tenant-scoped token sees only its own
// organization's invoices and the revenue drawn from them.
#include <algorithm>

#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "billing/attribution.h"
#include "billing/invoice.h"
#include "billing_store/billing_service.h"
#include "billing_store/shared.h"

namespace straits::api {
namespace {

using billing_store::BillingService;

Result<billing_store::BillingStore*> Repository(const Context& ctx) {
  if (ctx.services.db_path.empty()) {
    return Unavailable("billing is not available: the server was started without a database path");
  }
  return billing_store::SharedBillingStore(ctx.services.db_path);
}

billing_store::Scope ScopeOf(const Context& ctx) { return BillingScopeOf(ctx); }

std::string Query(const Context& ctx, const char* name) {
  const std::string* value = ctx.request.Query(name);
  return value ? *value : std::string();
}

Response RawJson(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

Result<Response> ListInvoices(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(store::PageRequest page, PageFromQuery(ctx.request));
  std::optional<billing::Month> period;
  if (const std::string* text = ctx.request.Query("period")) {
    Result<billing::Month> month = billing::Month::Parse(*text);
    if (!month.ok()) return InvalidArgument(month.status().message(), "period");
    period = *month;
  }
  std::optional<billing::AccountId> account;
  if (const std::string* text = ctx.request.Query("account")) {
    Result<billing::AccountId> id = billing::AccountId::Parse(*text);
    if (!id.ok()) return InvalidArgument(id.status().message(), "account");
    account = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(billing_store::BillingStore * repo, Repository(ctx));
  BillingService service(ctx.services.store, *repo);
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::Invoice> docs,
                           service.ListInvoices(ScopeOf(ctx), period, account));
  // Pages in id order; the cursor is the last id of the previous page.
  std::sort(docs.begin(), docs.end(),
            [](const billing::Invoice& a, const billing::Invoice& b) { return a.id < b.id; });
  auto first =
      std::upper_bound(docs.begin(), docs.end(), page.cursor,
                       [](const std::string& c, const billing::Invoice& d) { return c < d.id; });
  if (page.cursor.empty()) first = docs.begin();
  const auto remaining = static_cast<size_t>(docs.end() - first);
  const size_t count = std::min(remaining, static_cast<size_t>(page.limit));
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += billing::InvoiceToJson(first[static_cast<std::ptrdiff_t>(i)]);
  }
  body += "],\"next_cursor\":";
  if (count < remaining) {
    body += boost::json::serialize(
        boost::json::value(first[static_cast<std::ptrdiff_t>(count) - 1].id));
  } else {
    body += "null";
  }
  body += "}";
  return RawJson(std::move(body));
}

Result<Response> GetInvoice(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(billing_store::BillingStore * repo, Repository(ctx));
  BillingService service(ctx.services.store, *repo);
  STRAITS_ASSIGN_OR_RETURN(billing::Invoice doc,
                           service.GetInvoice(ScopeOf(ctx), ctx.params.at("id")));
  return RawJson(billing::InvoiceToJson(doc));
}

Result<billing_store::ReportQuery> ReportQueryOf(const Context& ctx) {
  billing_store::ReportParams params{.period = Query(ctx, "period"),
                                     .fiscal_year_start = Query(ctx, "fiscal_year_start"),
                                     .from = Query(ctx, "from"),
                                     .to = Query(ctx, "to"),
                                     .currency = Query(ctx, "currency"),
                                     .source = Query(ctx, "source")};
  return billing_store::ParseReportParams(params);
}

Result<billing::Method> MethodParam(const Context& ctx, const char* name, const char* fallback) {
  std::string text = Query(ctx, name);
  if (text.empty()) {
    if (fallback == nullptr) {
      return InvalidArgument("required: billing, hq, parent, site or operator", name);
    }
    text = fallback;
  }
  Result<billing::Method> method = billing::ParseMethod(text);
  if (!method.ok()) return InvalidArgument(method.status().message(), name);
  return method;
}

Result<Response> RevenueReport(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(billing::Method method, MethodParam(ctx, "by", nullptr));
  STRAITS_ASSIGN_OR_RETURN(billing_store::ReportQuery query, ReportQueryOf(ctx));
  STRAITS_ASSIGN_OR_RETURN(billing_store::BillingStore * repo, Repository(ctx));
  BillingService service(ctx.services.store, *repo);
  STRAITS_ASSIGN_OR_RETURN(billing::RevenueReport report,
                           service.Revenue(ScopeOf(ctx), query, method));
  return RawJson(billing::ReportToJson(report));
}

Result<Response> ReconcileReport(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(billing::Method rows, MethodParam(ctx, "rows", "billing"));
  STRAITS_ASSIGN_OR_RETURN(billing::Method cols, MethodParam(ctx, "cols", "hq"));
  if (rows == cols) return InvalidArgument("rows and cols must be different methods", "cols");
  STRAITS_ASSIGN_OR_RETURN(billing_store::ReportQuery query, ReportQueryOf(ctx));
  STRAITS_ASSIGN_OR_RETURN(billing_store::BillingStore * repo, Repository(ctx));
  BillingService service(ctx.services.store, *repo);
  STRAITS_ASSIGN_OR_RETURN(billing::Reconciliation rec,
                           service.Reconcile(ScopeOf(ctx), query, rows, cols));
  return RawJson(billing::ReconciliationToJson(rec));
}

const std::vector<ApiParam>& ReportParams() {
  static const auto* params = new std::vector<ApiParam>{
      {"period", "query", false,
       "month (2025-07), quarter (2025-Q3, default), fiscal-quarter (FY2026-Q2) or all."},
      {"fiscal_year_start", "query", false,
       "First month of the fiscal year, 1-12 (default 1); fiscal years are named by the "
       "calendar year in which they end."},
      {"from", "query", false, "Only revenue dated on or after this date (YYYY-MM-DD or YYYY-MM)."},
      {"to", "query", false, "Only revenue dated before this date (YYYY-MM-DD or YYYY-MM)."},
      {"currency", "query", false, "Reporting currency, ISO 4217 (default USD)."},
      {"source", "query", false,
       "leases (issued invoices and credit notes, default) or ledger (imported sales ledger; "
       "not for tenant tokens)."}};
  return *params;
}

std::vector<ApiParam> With(std::vector<ApiParam> first) {
  first.insert(first.end(), ReportParams().begin(), ReportParams().end());
  return first;
}

}  // namespace

RouteFamily BillingRoutes() {
  return {
      .routes = {{"GET", "/v1/invoices", true, ListInvoices, Roles(kFinance, kTenant, kAuditor)},
                 {"GET", "/v1/invoices/{id}", true, GetInvoice, Roles(kFinance, kTenant, kAuditor)},
                 {"GET", "/v1/reports/revenue", true, RevenueReport,
                  Roles(kFinance, kTenant, kAuditor)},
                 {"GET", "/v1/reports/reconcile", true, ReconcileReport,
                  Roles(kFinance, kTenant, kAuditor)}},
      .operations =
          {{"get",
            "/v1/invoices",
            "billing",
            "Issued invoices and credit notes (a tenant token sees only its own), by id",
            {{"period", "query", false, "Only this month, YYYY-MM."},
             {"account", "query", false, "Only this billing account."},
             kLimitParam,
             kCursorParam},
            nullptr,
            {{"200", "InvoicePage"}, {"400", "Error"}},
            true},
           {"get",
            "/v1/invoices/{id}",
            "billing",
            "One invoice or credit note with its lines",
            {{"id", "path", true, "Document id, e.g. INV-2026-10-harborview-asia-SGD."}},
            nullptr,
            {{"200", "Invoice"}, {"404", "Error"}},
            true},
           {"get",
            "/v1/reports/revenue",
            "billing",
            "Revenue per period grouped by one attribution method; every method gives the "
            "same period totals",
            With({{"by", "query", true, "billing, hq, parent, site or operator."}}),
            nullptr,
            {{"200", "RevenueReport"}, {"400", "Error"}, {"403", "Error"}, {"404", "Error"}},
            true},
           {"get",
            "/v1/reports/reconcile",
            "billing",
            "Revenue by one method's country (rows) x another's (columns), with each row's "
            "share from other countries",
            With({{"rows", "query", false, "Method of the rows (default billing)."},
                  {"cols", "query", false, "Method of the columns (default hq)."}}),
            nullptr,
            {{"200", "Reconciliation"}, {"400", "Error"}, {"403", "Error"}, {"404", "Error"}},
            true}},
      .schemas = R"json({
    "InvoiceLine": {"type": "object", "properties": {
      "lease": {"type": "string"}, "site": {"type": "string"}, "model": {"type": "string"},
      "from": {"type": "string", "format": "date-time"},
      "to": {"type": "string", "format": "date-time"},
      "gpu_seconds": {"type": "integer"},
      "unit_price": {"type": "string", "description": "Per GPU-hour, major units."},
      "discount_percent": {"type": "string"},
      "amount": {"type": "string", "description": "Major units; negative on credit notes."},
      "amount_minor": {"type": "integer"}, "description": {"type": "string"}}},
    "Invoice": {"type": "object",
      "required": ["id", "kind", "account", "period", "issue_date", "currency", "total_minor", "lines"],
      "properties": {"id": {"type": "string"},
        "kind": {"type": "string", "enum": ["invoice", "credit_note"]},
        "account": {"type": "string"}, "period": {"type": "string", "examples": ["2026-10"]},
        "issue_date": {"type": "string", "format": "date"},
        "currency": {"type": "string"}, "total": {"type": "string"},
        "total_minor": {"type": "integer"},
        "corrects": {"type": "string"}, "reason": {"type": "string"},
        "lines": {"type": "array", "items": {"$ref": "#/components/schemas/InvoiceLine"}}}},
    "InvoicePage": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/Invoice"}},
      "next_cursor": {"type": ["string", "null"]}}},
    "FxRateUsed": {"type": "object", "properties": {"currency": {"type": "string"},
      "date": {"type": "string", "format": "date"},
      "per_usd": {"type": "string", "description": "Units of the currency per US dollar."}}},
    "RevenueReport": {"type": "object", "required": ["currency", "method", "periods"],
      "properties": {"currency": {"type": "string"},
        "method": {"type": "string", "enum": ["billing", "hq", "parent", "site", "operator"]},
        "period_kind": {"type": "string"}, "fiscal_year_start_month": {"type": "integer"},
        "periods": {"type": "array", "items": {"type": "object",
          "required": ["period", "total_minor", "groups"],
          "properties": {"period": {"type": "string", "examples": ["FY2026-Q2", "2025-Q3", "2025-07"]},
            "total_minor": {"type": "integer"},
            "groups": {"type": "array", "items": {"type": "object",
              "required": ["key", "amount_minor", "share"],
              "properties": {"key": {"type": "string", "description": "ISO country code or unknown."},
                "amount_minor": {"type": "integer"}, "share": {"type": "number"}}}}}}},
        "fx_rates": {"type": "array", "items": {"$ref": "#/components/schemas/FxRateUsed"}}}},
    "Reconciliation": {"type": "object", "required": ["currency", "rows", "cols", "periods"],
      "properties": {"currency": {"type": "string"}, "rows": {"type": "string"},
        "cols": {"type": "string"}, "period_kind": {"type": "string"},
        "periods": {"type": "array", "items": {"type": "object", "properties": {
          "period": {"type": "string"}, "total_minor": {"type": "integer"},
          "columns": {"type": "array", "description": "Column keys with their totals.",
            "items": {"type": "object", "properties": {"key": {"type": "string"},
              "amount_minor": {"type": "integer"}}}},
          "rows": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "amount_minor": {"type": "integer"},
            "other_share": {"type": "number",
              "description": "Share of the row whose column country differs from the row's."},
            "cells": {"type": "array", "description": "One amount per column, in column order.",
              "items": {"type": "integer"}}}}}}}},
        "fx_rates": {"type": "array", "items": {"$ref": "#/components/schemas/FxRateUsed"}}}}
  })json"};
}

}  // namespace straits::api

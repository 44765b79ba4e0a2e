// `straits import usage|ratecards|lease-terms|invoices|fx`, `ratecards list`,
// `accounts list` and `invoices generate|list|show|export`. The work is done
// by billing_store::BillingService; this file parses flags and prints.
#include <cstdio>
#include <fstream>

#include "billing/decimal.h"
#include "billing/invoice.h"
#include "billing/json_writer.h"
#include "billing_store/billing_service.h"
#include "billing_store/sqlite_billing_store.h"
#include "catalog/shipped.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"

namespace straits::cli {
namespace {

using billing_store::BillingService;

// The fleet store, the billing store on the same database, and the service
// joining them; the stores live as long as this.
struct Billing {
  std::unique_ptr<store::Store> fleet;
  std::unique_ptr<billing_store::BillingStore> store;
  catalog::Catalog models;
  std::unique_ptr<BillingService> service;
};

Result<std::unique_ptr<Billing>> OpenBilling(const GlobalOptions& options) {
  auto billing = std::make_unique<Billing>();
  STRAITS_ASSIGN_OR_RETURN(billing->fleet, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(billing->store, billing_store::OpenSqliteBillingStore(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(billing->models, catalog::LoadShippedCatalog());
  const catalog::Catalog* models = &billing->models;
  billing->service = std::make_unique<BillingService>(
      *billing->fleet, *billing->store,
      [models](const ModelId& id) { return models->Find(id) != nullptr; });
  return billing;
}

std::string Amount(const Money& money) { return money.AmountString(); }

Result<std::optional<billing::Month>> OptionalMonth(const std::string& text,
                                                    const std::string& flag) {
  if (text.empty()) return std::optional<billing::Month>();
  Result<billing::Month> month = billing::Month::Parse(text);
  if (!month.ok()) return InvalidArgument(month.status().message(), flag);
  return std::optional<billing::Month>(*month);
}

Result<std::optional<billing::AccountId>> OptionalAccount(const std::string& text) {
  if (text.empty()) return std::optional<billing::AccountId>();
  Result<billing::AccountId> id = billing::AccountId::Parse(text);
  if (!id.ok()) return InvalidArgument(id.status().message(), "--account");
  return std::optional<billing::AccountId>(*id);
}

// --- import ------------------------------------------------------------------

enum class ImportKind { kUsage, kRateCards, kLeaseTerms, kLedger, kFx };

Status Import(const GlobalOptions& options, ImportKind kind, const std::string& file) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  BillingService& service = *billing->service;
  if (kind == ImportKind::kUsage) {
    STRAITS_ASSIGN_OR_RETURN(billing::IngestStats stats, service.ImportUsage(text, file));
    STRAITS_ASSIGN_OR_RETURN(int64_t held, billing->store->CountUsage());
    std::printf("imported %lld usage records (%lld already held) from %s; %lld records stored\n",
                static_cast<long long>(stats.added), static_cast<long long>(stats.duplicates),
                file.c_str(), static_cast<long long>(held));
    return Status::Ok();
  }
  const char* noun = kind == ImportKind::kRateCards    ? "rate card entries"
                     : kind == ImportKind::kLeaseTerms ? "lease terms"
                     : kind == ImportKind::kLedger     ? "ledger invoices"
                                                       : "FX tables";
  Result<billing_store::ImportStats> imported =
      kind == ImportKind::kRateCards    ? service.ImportRateCards(text, file)
      : kind == ImportKind::kLeaseTerms ? service.ImportLeaseTerms(text, file)
      : kind == ImportKind::kLedger     ? service.ImportLedger(text, file)
                                        : service.ImportFx(text, file);
  STRAITS_ASSIGN_OR_RETURN(billing_store::ImportStats stats, std::move(imported));
  std::printf("imported %lld %s (%lld unchanged) from %s\n", static_cast<long long>(stats.added),
              noun, static_cast<long long>(stats.unchanged), file.c_str());
  return Status::Ok();
}

// --- ratecards, accounts -----------------------------------------------------

std::string DiscountsText(const billing::RateCardEntry& entry) {
  std::string out;
  for (const billing::TermDiscount& d : entry.discounts) {
    std::string percent = billing::FormatScaledDecimal(d.basis_points, 2);
    while (percent.back() == '0') percent.pop_back();
    if (percent.back() == '.') percent.pop_back();
    out += (out.empty() ? "" : ";") + std::to_string(d.min_term_days) + "d:" + percent + "%";
  }
  return out;
}

Status ListRateCards(const GlobalOptions& options, const std::string& site, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  STRAITS_ASSIGN_OR_RETURN(billing::RateCards cards, billing->store->LoadRateCards());
  std::vector<const billing::RateCardEntry*> entries;
  for (const billing::RateCardEntry& e : cards.entries()) {
    if (site.empty() || e.site.str() == site) entries.push_back(&e);
  }
  if (json) {
    billing::JsonWriter w;
    w.BeginArray();
    for (const billing::RateCardEntry* e : entries) {
      w.BeginObject()
          .Key("site")
          .String(e->site.str())
          .Key("model")
          .String(e->model.str())
          .Key("effective_from")
          .String(e->effective_from.DateString())
          .Key("currency")
          .String(e->price_per_gpu_hour.currency().code())
          .Key("price_per_gpu_hour")
          .String(Amount(e->price_per_gpu_hour))
          .Key("price_minor")
          .Int(e->price_per_gpu_hour.minor_units())
          .Key("term_discounts")
          .BeginArray();
      for (const billing::TermDiscount& d : e->discounts) {
        w.BeginObject()
            .Key("min_term_days")
            .Int(d.min_term_days)
            .Key("basis_points")
            .Int(d.basis_points)
            .EndObject();
      }
      w.EndArray().EndObject();
    }
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return Status::Ok();
  }
  Table table({"SITE", "MODEL", "FROM", "CURRENCY", "PER GPU-HOUR", "TERM DISCOUNTS"});
  for (const billing::RateCardEntry* e : entries) {
    const std::string discounts = DiscountsText(*e);
    table.AddRow({e->site.str(), e->model.str(), e->effective_from.DateString(),
                  std::string(e->price_per_gpu_hour.currency().code()),
                  Amount(e->price_per_gpu_hour), discounts.empty() ? "-" : discounts});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ListAccounts(const GlobalOptions& options, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::BillingAccount> accounts,
                           billing->service->Accounts({}));
  if (json) {
    billing::JsonWriter w;
    w.BeginArray();
    for (const billing::BillingAccount& a : accounts) {
      w.BeginObject()
          .Key("id")
          .String(a.id.str())
          .Key("org")
          .String(a.org.str())
          .Key("billing_country")
          .String(a.billing_country.code())
          .EndObject();
    }
    w.EndArray();
    std::printf("%s\n", w.str().c_str());
    return Status::Ok();
  }
  Table table({"ACCOUNT", "ORG", "BILLING COUNTRY"});
  for (const billing::BillingAccount& a : accounts) {
    table.AddRow({a.id.str(), a.org.str(), std::string(a.billing_country.code())});
  }
  table.Print(stdout);
  return Status::Ok();
}

// --- invoices ----------------------------------------------------------------

struct GenerateFlags {
  std::string period;
  bool correct = false;
  std::string reason;
};

Status Generate(const GlobalOptions& options, const GenerateFlags& flags) {
  Result<billing::Month> month = billing::Month::Parse(flags.period);
  if (!month.ok()) return InvalidArgument(month.status().message(), "--period");
  if (flags.correct && flags.reason.empty()) {
    return InvalidArgument("--correct needs --reason (it is printed on the credit notes)",
                           "--reason");
  }
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  STRAITS_ASSIGN_OR_RETURN(
      billing_store::GenerateResult result,
      billing->service->GenerateInvoices(*month, SystemClock().Now(),
                                         {.correct = flags.correct, .reason = flags.reason}));
  for (const billing::Invoice& doc : result.issued) {
    std::printf("issued %s %s: %s (%zu lines)\n", std::string(DocumentKindName(doc.kind)).c_str(),
                doc.id.c_str(), doc.total.ToString().c_str(), doc.lines.size());
  }
  for (const std::string& id : result.unchanged) {
    std::printf("unchanged %s: already issued with these charges\n", id.c_str());
  }
  for (const std::string& id : result.differing) {
    std::printf(
        "differs %s: usage changed since it was issued; issued invoices never change, run "
        "`straits invoices generate --period %s --correct --reason TEXT` to issue a credit note "
        "and a replacement\n",
        id.c_str(), flags.period.c_str());
  }
  std::printf("%s: %zu documents issued, %zu unchanged, %zu differing\n", flags.period.c_str(),
              result.issued.size(), result.unchanged.size(), result.differing.size());
  return Status::Ok();
}

struct ListFlags {
  std::string period;
  std::string account;
  bool json = false;
};

Result<std::vector<billing::Invoice>> Documents(Billing& billing, const ListFlags& flags) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<billing::Month> period,
                           OptionalMonth(flags.period, "--period"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<billing::AccountId> account,
                           OptionalAccount(flags.account));
  return billing.service->ListInvoices({}, period, account);
}

Status ListInvoices(const GlobalOptions& options, const ListFlags& flags) {
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::Invoice> docs, Documents(*billing, flags));
  if (flags.json) {
    std::printf("%s\n", billing::InvoicesToJson(docs).c_str());
    return Status::Ok();
  }
  Table table(
      {"ID", "KIND", "ACCOUNT", "PERIOD", "ISSUED", "CURRENCY", "TOTAL", "LINES", "CORRECTS"});
  for (const billing::Invoice& d : docs) {
    table.AddRow({d.id, std::string(DocumentKindName(d.kind)), d.account.str(), d.period.ToString(),
                  d.issue_date.DateString(), std::string(d.currency.code()), Amount(d.total),
                  std::to_string(d.lines.size()), d.corrects.empty() ? "-" : d.corrects});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ShowInvoice(const GlobalOptions& options, const std::string& id, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  Result<billing::Invoice> found = billing->service->GetInvoice({}, id);
  if (!found.ok()) return Status(found.status().code(), found.status().message(), "ID");
  const billing::Invoice& doc = *found;
  if (json) {
    std::printf("%s\n", billing::InvoiceToJson(doc).c_str());
    return Status::Ok();
  }
  std::printf("%s %s\n", doc.kind == billing::DocumentKind::kInvoice ? "Invoice" : "Credit note",
              doc.id.c_str());
  std::printf("  account   %s\n  period    %s\n  issued    %s\n", doc.account.str().c_str(),
              doc.period.ToString().c_str(), doc.issue_date.DateString().c_str());
  if (!doc.corrects.empty()) std::printf("  corrects  %s\n", doc.corrects.c_str());
  if (!doc.reason.empty()) std::printf("  reason    %s\n", doc.reason.c_str());
  Table table({"LEASE", "SITE", "MODEL", "FROM", "TO", "GPU-HOURS", "PER GPU-HOUR", "DISCOUNT",
               "AMOUNT", "DESCRIPTION"});
  for (const billing::InvoiceLine& line : doc.lines) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.2f", static_cast<double>(line.usage.gpu_seconds) / 3600);
    std::string discount = billing::FormatScaledDecimal(line.usage.discount_bp, 2) + "%";
    table.AddRow({line.lease.str(), line.site.str(), line.model.str(), line.usage.from.ToString(),
                  line.usage.to.ToString(), hours, Amount(line.usage.unit_price), discount,
                  Amount(line.amount), billing::DescribeLine(line)});
  }
  table.Print(stdout);
  std::printf("  total     %s\n", doc.total.ToString().c_str());
  return Status::Ok();
}

struct ExportFlags {
  ListFlags list;
  std::string format;
  std::string output;
};

Status Export(const GlobalOptions& options, const ExportFlags& flags) {
  if (flags.format != "csv" && flags.format != "json") {
    return InvalidArgument("unknown format \"" + flags.format + "\": expected csv or json",
                           "--format");
  }
  STRAITS_ASSIGN_OR_RETURN(auto billing, OpenBilling(options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<billing::Invoice> docs, Documents(*billing, flags.list));
  std::string text =
      flags.format == "csv" ? billing::InvoicesToCsv(docs) : billing::InvoicesToJson(docs) + "\n";
  if (flags.output.empty() || flags.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Unavailable("cannot write " + flags.output);
  std::fprintf(stderr, "exported %zu documents to %s\n", docs.size(), flags.output.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterBillingCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };

  CLI::App* import = SubcommandGroup(app, "import", "Import data files into the database");
  auto add_import = [&](const char* name, ImportKind kind, const std::string& help,
                        const char* file_help) {
    CLI::App* cmd = import->add_subcommand(name, help);
    auto file = std::make_shared<std::string>();
    cmd->add_option("FILE", *file, file_help)->required();
    cmd->callback([&options, report, kind, file] { report(Import(options, kind, *file)); });
  };
  add_import("usage", ImportKind::kUsage,
             "Usage records (lease,node,start,end,gpu_seconds); idempotent: records already held "
             "are skipped, a record overlapping a different one fails the whole file. See "
             "docs/billing.md",
             "Usage CSV");
  add_import("ratecards", ImportKind::kRateCards,
             "Rate cards (site,model,effective_from,currency,price_per_gpu_hour,term_discounts); "
             "stored prices never change: a new price is a new effective date",
             "Rate card CSV");
  add_import("lease-terms", ImportKind::kLeaseTerms,
             "Billing terms of leases (lease,tenant,site,model,gpus,start,end): who pays, where "
             "and for how long; usage refers to these leases",
             "Lease terms CSV");
  add_import("invoices", ImportKind::kLedger,
             "External invoices, a vendor's sales ledger (invoice_id,date,customer,billing_"
             "country,hq_country,ship_to_country,amount,currency) for `report --source ledger`",
             "Sales ledger CSV");
  add_import("fx", ImportKind::kFx,
             "An FX table (date,currency,per_usd); imported tables replace the shipped, "
             "illustrative one",
             "FX CSV");

  CLI::App* ratecards = app.add_subcommand("ratecards", "Rate cards: prices per GPU-hour");
  ratecards->require_subcommand(1);
  {
    CLI::App* list = ratecards->add_subcommand("list", "List rate card entries");
    auto site = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    list->add_option("--site", *site, "Only this site");
    list->add_flag("--json", *json, "Machine-readable JSON array");
    list->callback(
        [&options, report, site, json] { report(ListRateCards(options, *site, *json)); });
  }

  CLI::App* accounts = app.add_subcommand("accounts", "Billing accounts");
  accounts->require_subcommand(1);
  {
    CLI::App* list = accounts->add_subcommand("list", "List billing accounts and their countries");
    auto json = std::make_shared<bool>(false);
    list->add_flag("--json", *json, "Machine-readable JSON array");
    list->callback([&options, report, json] { report(ListAccounts(options, *json)); });
  }

  CLI::App* invoices = app.add_subcommand("invoices", "Invoices and credit notes");
  invoices->require_subcommand(1);
  {
    auto flags = std::make_shared<GenerateFlags>();
    CLI::App* generate = invoices->add_subcommand(
        "generate",
        "Rate a month's usage and issue its invoices (one per account and currency); issued "
        "invoices never change");
    generate->add_option("--period", flags->period, "Month, YYYY-MM (must be over)")->required();
    generate->add_flag("--correct", flags->correct,
                       "Issue a credit note and a replacement for issued invoices whose usage "
                       "changed since");
    generate->add_option("--reason", flags->reason, "Why (printed on the credit notes)");
    generate->callback([&options, report, flags] { report(Generate(options, *flags)); });
  }
  auto add_filters = [](CLI::App* cmd, ListFlags& flags) {
    cmd->add_option("--period", flags.period, "Only this month, YYYY-MM");
    cmd->add_option("--account", flags.account, "Only this billing account");
  };
  {
    auto flags = std::make_shared<ListFlags>();
    CLI::App* list = invoices->add_subcommand("list", "List issued invoices and credit notes");
    add_filters(list, *flags);
    list->add_flag("--json", flags->json, "Machine-readable JSON array (with lines)");
    list->callback([&options, report, flags] { report(ListInvoices(options, *flags)); });
  }
  {
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    CLI::App* show = invoices->add_subcommand("show", "One invoice or credit note with its lines");
    show->add_option("ID", *id, "Document id, e.g. INV-2026-10-harborview-asia-SGD")->required();
    show->add_flag("--json", *json, "Machine-readable JSON");
    show->callback([&options, report, id, json] { report(ShowInvoice(options, *id, *json)); });
  }
  {
    auto flags = std::make_shared<ExportFlags>();
    CLI::App* exp =
        invoices->add_subcommand("export", "Export issued documents, one CSV row per line or JSON");
    exp->add_option("--format", flags->format, "csv or json")->required();
    add_filters(exp, flags->list);
    exp->add_option("--output,-o", flags->output, "Write to FILE instead of standard output");
    exp->callback([&options, report, flags] { report(Export(options, *flags)); });
  }
}

}  // namespace straits::cli

// `straits check`, `straits screen` and `straits policy list|show|validate`:
// the compliance engine (docs/compliance.md) from the command line. The JSON
// printed by --json is the same as the HTTP API's (policy/json.h).
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "core/ids.h"
#include "policy/check.h"
#include "policy/clearance_store.h"
#include "policy/engine.h"
#include "policy/json.h"
#include "policy/pack.h"
#include "policy/pack_store.h"
#include "policy/screening.h"
#include "policy/shipped.h"
#include "policy/store_facts.h"

namespace straits::cli {
namespace {

struct CheckFlags {
  std::string kind;
  std::string date;
  std::string item;
  std::optional<int64_t> count;
  std::string from, to;
  std::string consignee, consignee_hq, consignee_parent_hq;
  std::string site_country, operator_hq;
  std::string tenant, tenant_hq, tenant_parent_hq;
  std::string site;  // site id in the database
  std::string end_use;
  std::optional<double> training_flop;
  std::optional<double> country_total_tpp;
  std::optional<double> consignee_year_tpp;
  std::vector<std::string> regimes;
  bool json = false;
};

Result<Instant> DateOrToday(const std::string& text, std::string_view flag) {
  if (text.empty()) return SystemClock().Now();
  Result<Instant> date = Instant::Parse(text);
  if (!date.ok()) return InvalidArgument(date.status().message(), std::string(flag));
  return date;
}

// The JSON path of a request key, as the command-line flag that set it, so
// that an error names what the user typed.
std::string FlagForField(const std::string& field) {
  static const std::pair<const char*, const char*> kFlags[] = {
      {"consignee.parent_hq", "--consignee-parent-hq"},
      {"consignee.hq", "--consignee-hq"},
      {"consignee.name", "--consignee"},
      // A missing consignee object: its headquarters is the one required flag.
      {"consignee", "--consignee-hq"},
      {"tenant.parent_hq", "--tenant-parent-hq"},
      {"tenant.hq", "--tenant-hq"},
      {"tenant.name", "--tenant"},
      {"operator.hq", "--operator-hq"},
      {"totals.country_tpp", "--country-total-tpp"},
      {"totals.consignee_year_tpp", "--consignee-year-tpp"},
      {"site_country", "--site-country"},
      {"site_id", "--site"},
      {"tenant_id", "--tenant"},
      {"training_flop", "--training-flop"},
      {"end_use", "--end-use"},
      {"regimes", "--regime"},
      {"kind", "--kind"},
      {"date", "--date"},
      {"item", "--item"},
      {"count", "--count"},
      {"from", "--from"},
      {"to", "--to"},
  };
  for (const auto& [key, flag] : kFlags) {
    if (field.rfind(key, 0) == 0) return flag;
  }
  return field;
}

boost::json::value CheckFlagsToJson(const CheckFlags& f) {
  boost::json::object body;
  auto put = [&](boost::json::object& o, const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  put(body, "kind", f.kind);
  put(body, "date", f.date);
  put(body, "item", f.item);
  if (f.count) body["count"] = *f.count;
  put(body, "from", f.from);
  put(body, "to", f.to);
  boost::json::object consignee;
  put(consignee, "name", f.consignee);
  put(consignee, "hq", f.consignee_hq);
  put(consignee, "parent_hq", f.consignee_parent_hq);
  if (!consignee.empty()) body["consignee"] = std::move(consignee);
  put(body, "site_country", f.site_country);
  boost::json::object op;
  put(op, "hq", f.operator_hq);
  if (!op.empty()) body["operator"] = std::move(op);
  put(body, "site_id", f.site);
  // --tenant is the tenant's name when its facts are given (--tenant-hq), and
  // otherwise (when it is a valid id) an organization id whose facts come from
  // the database.
  if (f.tenant_hq.empty() && f.kind == "remote_access" && OrgId::Parse(f.tenant).ok()) {
    put(body, "tenant_id", f.tenant);
  } else {
    boost::json::object tenant;
    put(tenant, "name", f.tenant);
    put(tenant, "hq", f.tenant_hq);
    put(tenant, "parent_hq", f.tenant_parent_hq);
    if (!tenant.empty()) body["tenant"] = std::move(tenant);
  }
  put(body, "end_use", f.end_use);
  if (f.training_flop) body["training_flop"] = *f.training_flop;
  boost::json::object totals;
  if (f.country_total_tpp) totals["country_tpp"] = *f.country_total_tpp;
  if (f.consignee_year_tpp) totals["consignee_year_tpp"] = *f.consignee_year_tpp;
  if (!totals.empty()) body["totals"] = std::move(totals);
  if (!f.regimes.empty()) {
    boost::json::array regimes;
    for (const std::string& r : f.regimes) regimes.push_back(boost::json::value(r));
    body["regimes"] = std::move(regimes);
  }
  return body;
}

// Re-labels a request error with the flag that carried the value.
Status AsFlagError(const Status& status) {
  if (status.ok()) return status;
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound) {
    return InvalidArgument(status.message(), FlagForField(std::string(status.field())));
  }
  return status;
}

struct Loaded {
  policy::Engine engine;
  policy::Screener screener;
};

// The screener applies the clearances stored in `store`'s database, if any.
Result<std::unique_ptr<Loaded>> LoadPolicy(const GlobalOptions& options, bool have_database) {
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine,
                           policy::LoadEngine(have_database ? options.db_path : ""));
  std::vector<policy::Clearance> clearances;
  if (have_database) {
    STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<policy::ClearanceStore> stored,
                             policy::OpenClearanceStore(options.db_path));
    STRAITS_ASSIGN_OR_RETURN(std::vector<policy::StoredClearance> list, stored->List());
    clearances = policy::ClearancesOf(list);
  }
  STRAITS_ASSIGN_OR_RETURN(policy::Screener screener,
                           policy::LoadShippedScreener(std::move(clearances)));
  return std::make_unique<Loaded>(Loaded{std::move(engine), std::move(screener)});
}

// The database when one exists at --db; null when there is none.
Result<std::unique_ptr<store::Store>> OptionalStore(const GlobalOptions& options) {
  Result<std::unique_ptr<store::Store>> opened = OpenStore(options);
  if (!opened.ok() && opened.status().code() == StatusCode::kNotFound) {
    return std::unique_ptr<store::Store>();
  }
  return opened;
}

Status Check(const CheckFlags& flags, const GlobalOptions& options) {
  if (flags.date.empty()) return InvalidArgument("--date YYYY-MM-DD is required", "--date");
  Result<policy::CheckRequest> request = policy::CheckRequestFromJson(CheckFlagsToJson(flags));
  if (!request.ok()) return AsFlagError(request.status());
  // Parties and sites named by id need the database; running totals use it
  // when there is one (otherwise they stay unknown and fail closed).
  std::unique_ptr<store::Store> store;
  if (request->tenant.id || request->site_id) {
    STRAITS_ASSIGN_OR_RETURN(store, OpenStore(options));
    STRAITS_RETURN_IF_ERROR(AsFlagError(policy::ResolveFromStore(*store, *request)));
  } else {
    STRAITS_ASSIGN_OR_RETURN(store, OptionalStore(options));
  }
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Loaded> loaded, LoadPolicy(options, store != nullptr));
  if (store) {
    STRAITS_RETURN_IF_ERROR(policy::FillRunningTotals(*store, loaded->engine, *request));
  }
  policy::Transaction tx;
  std::vector<policy::PartyScreening> screenings;
  STRAITS_RETURN_IF_ERROR(AsFlagError(
      policy::BuildTransaction(loaded->engine, *request, &loaded->screener, tx, &screenings)));
  Result<policy::PackSelection> selection =
      loaded->engine.Select(request->regimes, request->only_regimes);
  if (!selection.ok()) return AsFlagError(selection.status());
  policy::Decision decision;
  STRAITS_RETURN_IF_ERROR(AsFlagError(loaded->engine.Evaluate(tx, *selection, decision)));
  boost::json::object out = policy::DecisionToJson(decision, screenings);
  if (flags.json) {
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return Status::Ok();
  }
  std::printf("verdict: %s%s\n", std::string(out.at("verdict").as_string()).c_str(),
              out.at("undetermined").as_bool() ? " (undetermined facts, fail-closed)" : "");
  Table hits({"REGIME", "RULE", "VERDICT", "MESSAGE"});
  for (const boost::json::value& v : out.at("hits").as_array()) {
    const boost::json::object& h = v.as_object();
    hits.AddRow({std::string(h.at("regime").as_string()), std::string(h.at("rule").as_string()),
                 std::string(h.at("verdict").as_string()),
                 std::string(h.at("message").as_string())});
  }
  hits.Print(stdout);
  std::printf("regimes consulted:");
  for (const boost::json::value& v : out.at("regimes").as_array()) {
    std::printf(" %s", std::string(v.as_object().at("id").as_string()).c_str());
  }
  std::printf("\nReference data with sources (docs/compliance.md), not legal advice.\n");
  return Status::Ok();
}

struct ScreenFlags {
  std::string name;
  std::string country;
  std::string date;
  size_t limit = 10;
  bool json = false;
};

Status Screen(const ScreenFlags& flags, const GlobalOptions& options) {
  boost::json::object body;
  body["name"] = flags.name;
  if (!flags.country.empty()) body["country"] = flags.country;
  if (!flags.date.empty()) body["date"] = flags.date;
  body["limit"] = flags.limit;
  Result<policy::ScreenRequest> request = policy::ScreenRequestFromJson(body);
  if (!request.ok()) {
    const std::string field(request.status().field());
    return InvalidArgument(request.status().message(), field == "name" ? "NAME" : "--" + field);
  }
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, OptionalStore(options));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Loaded> loaded, LoadPolicy(options, store != nullptr));
  const policy::Screener& screener = loaded->screener;
  std::vector<policy::Match> matches =
      screener.Search(request->name, request->country, request->date, request->limit);
  boost::json::object out = policy::ScreenResultToJson(*request, matches, screener.threshold());
  if (flags.json) {
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return Status::Ok();
  }
  if (matches.empty()) {
    std::printf("no match for \"%s\" at threshold %.2f\n", request->name.c_str(),
                screener.threshold());
    return Status::Ok();
  }
  Table table({"SCORE", "ENTRY", "COUNTRY", "LIST", "MATCHED", "CLEARED"});
  for (const boost::json::value& v : out.at("matches").as_array()) {
    const boost::json::object& m = v.as_object();
    const boost::json::object& e = m.at("entry").as_object();
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", m.at("score").to_number<double>());
    auto text = [](const boost::json::object& o, const char* key) {
      const boost::json::value* x = o.if_contains(key);
      return x && x->is_string() ? std::string(x->as_string()) : std::string("-");
    };
    table.AddRow({score, text(e, "name"), text(e, "country"), text(e, "list"),
                  text(m, "matched_name"), m.at("cleared").is_null() ? "no" : "yes"});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ListPolicies(const GlobalOptions& options, const std::string& date_text, bool json) {
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateOrToday(date_text, "--date"));
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine, policy::LoadEngine(options.db_path));
  boost::json::array packs = policy::PackListToJson(engine, date);
  if (json) {
    std::printf("%s\n", boost::json::serialize(packs).c_str());
    return Status::Ok();
  }
  Table table({"ID", "JURISDICTION", "STATUS", "EFFECTIVE", "RULES", "ORIGIN", "STATE"});
  for (const boost::json::value& v : packs) {
    const boost::json::object& p = v.as_object();
    auto text = [&](const char* key) {
      const boost::json::value* x = p.if_contains(key);
      return x && x->is_string() ? std::string(x->as_string()) : std::string("-");
    };
    table.AddRow({text("id"), text("jurisdiction"), text("status"), text("effective"),
                  std::to_string(p.at("rule_count").to_number<int64_t>()), text("origin"),
                  text("state")});
  }
  table.Print(stdout);
  std::printf("As of %s. Reference data with sources, not legal advice.\n",
              date.DateString().c_str());
  return Status::Ok();
}

Status ShowPolicy(const GlobalOptions& options, const std::string& id,
                  const std::string& date_text) {
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateOrToday(date_text, "--date"));
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine, policy::LoadEngine(options.db_path));
  const policy::Pack* pack = engine.FindPack(id);
  if (!pack) {
    // An id that names no pack is bad input (exit 2), like any other bad argument.
    return InvalidArgument("no rule pack \"" + id + "\"; `straits policy list` shows the ids",
                           "ID");
  }
  std::printf("%s\n", boost::json::serialize(policy::PackToJson(*pack, date)).c_str());
  return Status::Ok();
}

// The contents of `files`, in order (not_found naming a missing one).
Result<std::vector<std::string>> ReadFiles(const std::vector<std::string>& files) {
  std::vector<std::string> texts;
  texts.reserve(files.size());
  for (const std::string& file : files) {
    STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
    texts.push_back(std::move(text));
  }
  return texts;
}

// Pack sources naming each file; they view `texts`, which must outlive them.
std::vector<policy::PackSource> SourcesOf(const std::vector<std::string>& files,
                                          const std::vector<std::string>& texts) {
  std::vector<policy::PackSource> sources;
  for (size_t i = 0; i < files.size(); ++i) sources.push_back({files[i], texts[i]});
  return sources;
}

Status ValidatePolicies(const GlobalOptions& options, const std::vector<std::string>& files) {
  STRAITS_ASSIGN_OR_RETURN(policy::Engine engine, policy::LoadEngine(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::vector<std::string> texts, ReadFiles(files));
  const std::vector<policy::PackSource> sources = SourcesOf(files, texts);
  Result<std::vector<policy::Pack>> packs = policy::LoadPacks(sources, engine.packs());
  if (!packs.ok()) {
    // A malformed pack is bad input: exit 2 with file:line:col.
    if (packs.status().code() == StatusCode::kInternal) return packs.status();
    return InvalidArgument(packs.status().message(), std::string(packs.status().field()));
  }
  for (const policy::Pack& pack : *packs) {
    std::printf("%s: ok (%s, %zu rules, %s)\n", pack.source_name.c_str(), pack.id.c_str(),
                pack.rules.size(), pack.hash.c_str());
  }
  return Status::Ok();
}

// Stores operator packs in the database (policy/pack_store.h).
Status ImportPolicies(const GlobalOptions& options, const std::vector<std::string>& files,
                      bool json) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<std::string> texts, ReadFiles(files));
  const std::vector<policy::PackSource> sources = SourcesOf(files, texts);
  STRAITS_ASSIGN_OR_RETURN(auto core, OpenStore(options));  // not_found names `straits init`
  core.reset();
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<policy::PackStore> store,
                           policy::OpenPackStore(options.db_path));
  const char* user = std::getenv("USER");
  Result<std::vector<policy::ImportedPack>> imported = store->Import(
      sources, std::string("cli:") + (user && *user ? user : "unknown"), SystemClock().Now());
  if (!imported.ok()) {
    // A malformed pack is bad input: exit 2 with FILE:LINE:COL.
    const StatusCode code = imported.status().code();
    if (code == StatusCode::kInternal || code == StatusCode::kUnavailable) {
      return imported.status();
    }
    return InvalidArgument(imported.status().message(), std::string(imported.status().field()));
  }
  if (json) {
    boost::json::array out;
    for (const policy::ImportedPack& p : *imported) {
      boost::json::object o{{"id", p.id}, {"hash", p.hash}, {"change", p.change}};
      o["previous_hash"] = p.previous_hash.empty() ? boost::json::value(nullptr)
                                                   : boost::json::value(p.previous_hash);
      out.push_back(std::move(o));
    }
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return Status::Ok();
  }
  for (const policy::ImportedPack& p : *imported) {
    std::printf("%s: %s (%s)\n", p.id.c_str(), p.change.c_str(), p.hash.c_str());
  }
  std::printf(
      "Imported packs apply to every command at once; restart a running `straits serve` to "
      "apply them there.\n");
  return Status::Ok();
}

}  // namespace

void RegisterPolicyCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };

  auto check_flags = std::make_shared<CheckFlags>();
  CLI::App* check = app.add_subcommand(
      "check", "Compliance verdict of an export or a remote access, with the rules that fired");
  check->add_option("--kind", check_flags->kind, "export | remote_access")->required();
  check->add_option("--date", check_flags->date, "UTC date YYYY-MM-DD")->required();
  check->add_option("--item", check_flags->item, "Accelerator model id")->required();
  check->add_option("--count", check_flags->count, "Number of accelerators (default 1)");
  check->add_option("--from", check_flags->from, "export: origin country");
  check->add_option("--to", check_flags->to, "export: destination country");
  check->add_option("--consignee", check_flags->consignee, "export: consignee name (screened)");
  check->add_option("--consignee-hq", check_flags->consignee_hq, "export: consignee HQ country");
  check->add_option("--consignee-parent-hq", check_flags->consignee_parent_hq,
                    "export: HQ country of the consignee's ultimate parent");
  check->add_option("--site-country", check_flags->site_country, "remote_access: site country");
  check->add_option("--operator-hq", check_flags->operator_hq, "remote_access: operator HQ");
  check->add_option("--tenant", check_flags->tenant,
                    "remote_access: tenant name (screened) with --tenant-hq; without it, an "
                    "organization id in the database");
  check->add_option("--site", check_flags->site,
                    "remote_access: site id in the database (its country and operator)");
  check->add_option("--tenant-hq", check_flags->tenant_hq, "remote_access: tenant HQ country");
  check->add_option("--tenant-parent-hq", check_flags->tenant_parent_hq,
                    "remote_access: HQ country of the tenant's ultimate parent");
  check->add_option("--end-use", check_flags->end_use, "training | inference | other");
  check->add_option("--training-flop", check_flags->training_flop, "Declared training FLOP");
  check->add_option("--country-total-tpp", check_flags->country_total_tpp,
                    "Running TPP total for the destination country (default: from the database)");
  check->add_option("--consignee-year-tpp", check_flags->consignee_year_tpp,
                    "Running TPP total for the consignee this year (default: from the database)");
  check->add_option("--regime", check_flags->regimes, "Also apply this pack id (repeatable)");
  check->add_flag("--json", check_flags->json, "Machine-readable JSON");
  check->callback([report, check_flags, &options] { report(Check(*check_flags, options)); });

  auto screen_flags = std::make_shared<ScreenFlags>();
  CLI::App* screen =
      app.add_subcommand("screen", "Search the restricted-party lists for a name (fuzzy)");
  screen->add_option("NAME", screen_flags->name, "Party name, any script")->required();
  screen->add_option("--country", screen_flags->country, "Country hint CC");
  screen->add_option("--date", screen_flags->date, "Only entries listed by this date");
  screen->add_option("--limit", screen_flags->limit, "At most this many matches (default 10)");
  screen->add_flag("--json", screen_flags->json, "Machine-readable JSON");
  screen->callback([report, screen_flags, &options] { report(Screen(*screen_flags, options)); });

  CLI::App* policy_group = SubcommandGroup(app, "policy", "Compliance rule packs");
  auto list_date = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = policy_group->add_subcommand("list", "Every rule pack with its state on a date");
  list->add_option("--date", *list_date, "UTC date YYYY-MM-DD (default today)");
  list->add_flag("--json", *list_json, "Machine-readable JSON");
  list->callback([report, list_date, list_json, &options] {
    report(ListPolicies(options, *list_date, *list_json));
  });

  auto show_id = std::make_shared<std::string>();
  auto show_date = std::make_shared<std::string>();
  CLI::App* show =
      policy_group->add_subcommand("show", "One rule pack, its groups and rules (JSON)");
  show->add_option("ID", *show_id, "Pack id (see policy list)")->required();
  show->add_option("--date", *show_date, "UTC date for group membership (default today)");
  show->callback([report, show_id, show_date, &options] {
    report(ShowPolicy(options, *show_id, *show_date));
  });

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* validate = policy_group->add_subcommand(
      "validate", "Parse and type-check rule pack files (errors give FILE:LINE:COL)");
  validate->add_option("FILE", *files, "Pack TOML files")->required();
  validate->callback([report, files, &options] { report(ValidatePolicies(options, *files)); });

  auto import_files = std::make_shared<std::vector<std::string>>();
  auto import_json = std::make_shared<bool>(false);
  CLI::App* import_cmd = policy_group->add_subcommand(
      "import",
      "Add or replace the operator's own rule packs in the database (checked as by validate; "
      "all files or none; audited). Shipped pack ids cannot be replaced");
  import_cmd->add_option("FILE", *import_files, "Pack TOML files")->required();
  import_cmd->add_flag("--json", *import_json, "Machine-readable JSON");
  import_cmd->callback([report, import_files, import_json, &options] {
    report(ImportPolicies(options, *import_files, *import_json));
  });
}

}  // namespace straits::cli

// `straits lease request|list|show|approve|deny|cancel|extend|tick|reevaluate|import`.
//
// Commands run the lease service in this process over the database (the
// store re-checks capacity inside its transaction, so they are safe beside a
// running `straits serve`).
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "backend/backend_store.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "lease/book.h"
#include "lease/json.h"
#include "lease/runtime.h"

namespace straits::cli {
namespace {

namespace json = boost::json;

lease::Actor CliActor() {
  const char* user = std::getenv("USER");
  return lease::Actor{std::string("cli:") + (user && *user ? user : "unknown"), "cli", {}};
}

struct Runtime {
  std::unique_ptr<store::Store> store;
  SystemClock clock;
  std::unique_ptr<lease::LeaseRuntime> leases;
};

Result<std::unique_ptr<Runtime>> OpenRuntime(const GlobalOptions& options) {
  auto rt = std::make_unique<Runtime>();
  STRAITS_ASSIGN_OR_RETURN(rt->store, OpenStore(options));
  lease::RuntimeOptions runtime_options;
  runtime_options.connections = 2;
  runtime_options.service.reevaluate_on_start = false;
  STRAITS_ASSIGN_OR_RETURN(rt->leases, lease::LeaseRuntime::Open(options.db_path, *rt->store,
                                                                 rt->clock, runtime_options));
  return rt;
}

// The request's JSON fields as the flags that set them.
std::string FlagFor(const std::string& field) {
  static const std::pair<const char*, const char*> kFlags[] = {{"tenant", "--tenant"},
                                                               {"gpus", "--gpus"},
                                                               {"accelerators", "--accelerator"},
                                                               {"min_tpp", "--min-tpp"},
                                                               {"scope", "--scope"},
                                                               {"start", "--start"},
                                                               {"earliest", "--earliest"},
                                                               {"latest_end", "--latest-end"},
                                                               {"duration", "--duration"},
                                                               {"sites", "--site"},
                                                               {"max_price", "--max-price"},
                                                               {"purpose", "--purpose"},
                                                               {"training_flop", "--training-flop"},
                                                               {"to", "--to"},
                                                               {"reason", "--reason"},
                                                               {"license", "--license"}};
  for (const auto& [key, flag] : kFlags) {
    if (field == key) return flag;
    const std::string prefix = std::string(key) + "[";
    if (field.rfind(prefix, 0) == 0) return std::string(flag) + field.substr(std::strlen(key));
  }
  return field;
}

Status AsFlags(const Status& s) {
  if (s.ok() || s.field().empty()) return s;
  return Status(s.code(), s.message(), FlagFor(s.field()));
}

std::string Describe(const lease::Lease& l) {
  std::string out = l.id.str() + " " + std::string(lease::StateName(l.state)) + ": " +
                    l.spec.tenant.str() + ", " + std::to_string(l.spec.gpus) + " GPUs";
  if (l.placement) {
    const lease::LeasePlacement& p = *l.placement;
    out += " of " + p.model.str() + " at " + p.site.str() + " [" + p.start.ToString() + ", " +
           p.end.ToString() + ") on";
    for (const lease::NodeAllocation& a : p.allocations) {
      out += " " + a.node.str() + "(" + std::to_string(a.gpus) + ")";
    }
    if (p.price_per_gpu_hour) out += ", " + p.price_per_gpu_hour->ToString() + "/GPU-hour";
  }
  out += "; verdict " + std::string(policy::VerdictName(l.verdict));
  if (l.hold_until) out += "; capacity held until " + l.hold_until->ToString();
  if (!l.license.empty()) out += "; license " + l.license;
  return out;
}

// Prints the outcome of a change; a refusal is an error (exit 1) with the
// reason for every site.
Status PrintOutcome(const lease::Outcome& out, bool as_json) {
  if (as_json) {
    std::printf("%s\n", out.body.c_str());
  } else if (out.lease) {
    std::printf("%s\n", Describe(*out.lease).c_str());
    if (!out.lease->reason.empty()) std::printf("  reason: %s\n", out.lease->reason.c_str());
    for (const std::string& r : out.reasons) std::printf("  rule: %s\n", r.c_str());
  } else if (out.replayed) {
    std::printf("%s\n", out.body.c_str());
  }
  if (out.status >= 400) {
    if (!as_json) {
      for (const std::string& r : out.reasons) std::fprintf(stderr, "  %s\n", r.c_str());
    }
    return FailedPrecondition(out.refusal.empty() ? "refused" : out.refusal);
  }
  return Status::Ok();
}

Result<LeaseId> ParseLeaseId(const std::string& text) {
  Result<LeaseId> id = LeaseId::Parse(text);
  if (!id.ok()) return InvalidArgument(id.status().message(), "ID");
  return id;
}

struct RequestFlags {
  std::string tenant;
  std::vector<std::string> accelerators;
  std::optional<double> min_tpp;
  int64_t gpus = 0;
  std::string scope;
  std::string start, earliest, latest_end, duration;
  std::vector<std::string> sites;
  std::string max_price;
  std::string purpose;
  std::optional<double> training_flop;
  std::string idempotency_key;
  bool json = false;
};

Status RequestLease(const GlobalOptions& options, const RequestFlags& f) {
  json::object body{{"tenant", f.tenant}, {"gpus", f.gpus}, {"duration", f.duration}};
  if (!f.accelerators.empty()) {
    json::array models;
    for (const std::string& m : f.accelerators) models.emplace_back(m);
    body["accelerators"] = std::move(models);
  }
  if (f.min_tpp) body["min_tpp"] = *f.min_tpp;
  if (!f.scope.empty()) body["scope"] = f.scope;
  if (!f.start.empty()) body["start"] = f.start;
  if (!f.earliest.empty()) body["earliest"] = f.earliest;
  if (!f.latest_end.empty()) body["latest_end"] = f.latest_end;
  if (!f.sites.empty()) {
    json::array sites;
    for (const std::string& s : f.sites) sites.emplace_back(s);
    body["sites"] = std::move(sites);
  }
  if (!f.max_price.empty()) body["max_price"] = f.max_price;
  if (!f.purpose.empty()) body["purpose"] = f.purpose;
  if (f.training_flop) body["training_flop"] = *f.training_flop;
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  Result<lease::LeaseSpec> spec = lease::SpecFromJson(body, rt->clock.Now());
  if (!spec.ok()) return AsFlags(spec.status());
  Result<lease::Outcome> out =
      rt->leases->service().Request(*spec, CliActor(), lease::Idempotency{f.idempotency_key, ""});
  if (!out.ok()) return AsFlags(out.status());
  return PrintOutcome(*out, f.json);
}

Status ListLeases(const GlobalOptions& options, const std::string& tenant, const std::string& state,
                  const std::string& site, bool as_json) {
  lease_store::LeaseFilter filter;
  if (!tenant.empty()) {
    Result<OrgId> id = OrgId::Parse(tenant);
    if (!id.ok()) return InvalidArgument(id.status().message(), "--tenant");
    filter.tenant = *id;
  }
  if (!state.empty()) {
    STRAITS_ASSIGN_OR_RETURN(filter.state, lease::ParseState(state, "--state"));
  }
  if (!site.empty()) {
    Result<SiteId> id = SiteId::Parse(site);
    if (!id.ok()) return InvalidArgument(id.status().message(), "--site");
    filter.site = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  std::vector<lease::Lease> all;
  store::PageRequest page{.limit = 1000, .cursor = ""};
  for (;;) {
    STRAITS_ASSIGN_OR_RETURN(store::Page<lease::Lease> result,
                             rt->leases->service().List(filter, page, CliActor()));
    for (lease::Lease& l : result.items) all.push_back(std::move(l));
    if (result.next_cursor.empty()) break;
    page.cursor = result.next_cursor;
  }
  if (as_json) {
    json::array items;
    for (const lease::Lease& l : all) items.push_back(lease::LeaseToJson(l));
    std::printf("%s\n", json::serialize(items).c_str());
    return Status::Ok();
  }
  Table table({"ID", "TENANT", "STATE", "GPUS", "MODEL", "SITE", "START", "END", "VERDICT"});
  for (const lease::Lease& l : all) {
    table.AddRow({l.id.str(), l.spec.tenant.str(), std::string(lease::StateName(l.state)),
                  std::to_string(l.placement ? l.placement->gpus() : l.spec.gpus),
                  l.placement ? l.placement->model.str() : "-",
                  l.placement ? l.placement->site.str() : "-",
                  l.placement ? l.placement->start.ToString() : "-",
                  l.placement ? l.placement->end.ToString() : "-",
                  std::string(policy::VerdictName(l.verdict))});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ShowLease(const GlobalOptions& options, const std::string& id_text, bool as_json) {
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, ParseLeaseId(id_text));
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  STRAITS_ASSIGN_OR_RETURN(lease::Lease l, rt->leases->service().Get(id, CliActor()));
  STRAITS_ASSIGN_OR_RETURN(auto decisions, rt->leases->service().Decisions(id, CliActor()));
  // Where the lease stands on its site's execution backend (Slurm sites only).
  STRAITS_ASSIGN_OR_RETURN(auto backends, backend::BackendStore::Open(options.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::optional<backend::LeaseBackendState> on_backend, backends->Get(id));
  if (as_json) {
    json::object out = lease::LeaseToJson(l);
    if (on_backend) {
      const backend::LeaseBackendState& b = *on_backend;
      out["backend"] = json::object{
          {"status", b.status},
          {"attempts", b.attempts},
          {"next_attempt", b.attempts > 0 ? json::value(b.next_attempt.ToString()) : nullptr},
          {"last_error", b.last_error.empty() ? json::value(nullptr) : json::value(b.last_error)},
          {"applied_version", b.applied_version}};
    }
    json::array list;
    for (const lease_store::DecisionRecord& d : decisions) {
      boost::system::error_code ec;
      json::value body = json::parse(d.body, ec);
      list.push_back(json::object{{"at", d.at.ToString()},
                                  {"stage", d.stage},
                                  {"verdict", policy::VerdictName(d.verdict)},
                                  {"date", d.date.ToString()},
                                  {"body", ec ? json::value(d.body) : body}});
    }
    out["decisions"] = std::move(list);
    std::printf("%s\n", json::serialize(out).c_str());
    return Status::Ok();
  }
  std::printf("%s\n", Describe(l).c_str());
  std::printf("  requested by %s at %s; updated %s\n", l.created_by.c_str(),
              l.created_at.ToString().c_str(), l.updated_at.ToString().c_str());
  if (!l.reason.empty()) std::printf("  reason: %s\n", l.reason.c_str());
  if (!l.reviewed_by.empty()) std::printf("  reviewed by: %s\n", l.reviewed_by.c_str());
  if (on_backend && on_backend->status == "pending" && on_backend->attempts > 0) {
    std::printf("  backend: pending (attempt %d, next %s, error %s)\n", on_backend->attempts,
                on_backend->next_attempt.ToString().c_str(), on_backend->last_error.c_str());
  } else if (on_backend) {
    std::printf("  backend: %s (lease version %lld)\n", on_backend->status.c_str(),
                static_cast<long long>(on_backend->applied_version));
  }
  for (const lease_store::DecisionRecord& d : decisions) {
    std::printf("  decision %s at %s (regimes of %s): %s at %s on %s\n", d.stage.c_str(),
                d.at.ToString().c_str(), d.date.DateString().c_str(),
                std::string(policy::VerdictName(d.verdict)).c_str(),
                d.site ? d.site->str().c_str() : "-", d.model ? d.model->str().c_str() : "-");
    boost::system::error_code ec;
    json::value body = json::parse(d.body, ec);
    if (ec || !body.is_object()) continue;
    const json::value* decision = body.as_object().if_contains("decision");
    const json::value* hits =
        decision && decision->is_object() ? decision->as_object().if_contains("hits") : nullptr;
    if (!hits || !hits->is_array()) continue;
    for (const json::value& hit : hits->as_array()) {
      const json::object& h = hit.as_object();
      std::printf("    %s/%s (%s): %s\n", json::value_to<std::string>(h.at("regime")).c_str(),
                  json::value_to<std::string>(h.at("rule")).c_str(),
                  json::value_to<std::string>(h.at("verdict")).c_str(),
                  json::value_to<std::string>(h.at("message")).c_str());
    }
  }
  return Status::Ok();
}

enum class Change { kApprove, kDeny, kCancel, kExtend };

struct ChangeFlags {
  std::string id;
  std::string reason;
  std::string license;
  std::string to;
  std::string idempotency_key;
  bool json = false;
};

Status ChangeLease(const GlobalOptions& options, Change change, const ChangeFlags& f) {
  STRAITS_ASSIGN_OR_RETURN(LeaseId id, ParseLeaseId(f.id));
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  lease::LeaseService& service = rt->leases->service();
  const lease::Idempotency key{f.idempotency_key, ""};
  Result<lease::Outcome> out = Internal("unreachable");
  switch (change) {
    case Change::kApprove:
      out = service.Approve(id, f.reason, f.license, CliActor(), key);
      break;
    case Change::kDeny:
      out = service.Deny(id, f.reason, CliActor(), key);
      break;
    case Change::kCancel:
      out = service.Cancel(id, CliActor(), key);
      break;
    case Change::kExtend: {
      Result<Instant> to = Instant::Parse(f.to);
      if (!to.ok()) return InvalidArgument(to.status().message(), "--to");
      out = service.Extend(id, *to, CliActor(), key);
      break;
    }
  }
  if (!out.ok()) return AsFlags(out.status());
  return PrintOutcome(*out, f.json);
}

Status Tick(const GlobalOptions& options) {
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  STRAITS_ASSIGN_OR_RETURN(int moved, rt->leases->service().Tick());
  std::printf("%d leases moved (activated, completed, held or expired) as of %s\n", moved,
              rt->clock.Now().ToString().c_str());
  return Status::Ok();
}

Status Reevaluate(const GlobalOptions& options, bool as_json) {
  STRAITS_ASSIGN_OR_RETURN(auto rt, OpenRuntime(options));
  STRAITS_ASSIGN_OR_RETURN(lease::ReevaluationReport report,
                           rt->leases->service().Reevaluate("a request from the CLI", CliActor()));
  if (as_json) {
    json::array held;
    for (const LeaseId& id : report.held) held.emplace_back(id.str());
    std::printf("%s\n", json::serialize(json::object{{"evaluated", report.evaluated},
                                                     {"held", std::move(held)}})
                            .c_str());
    return Status::Ok();
  }
  std::printf("%d scheduled or active leases evaluated; %zu put on compliance hold\n",
              report.evaluated, report.held.size());
  for (const LeaseId& id : report.held) std::printf("  %s\n", id.str().c_str());
  return Status::Ok();
}

json::array RefusedChanges(const lease::BookReport& r) {
  json::array out;
  for (const std::string& why : r.refused_changes) out.emplace_back(why);
  return out;
}

// Replays a lease book (lease/book.h) with a clock standing at each entry.
Status ImportBook(const GlobalOptions& options, const std::string& path,
                  const std::string& anchor_text, bool as_json) {
  Instant anchor = SystemClock().Now();
  anchor = Instant::FromUnixSeconds(anchor.unix_seconds() / 86400 * 86400);  // today, 00:00 UTC
  if (!anchor_text.empty()) {
    Result<Instant> parsed = Instant::Parse(anchor_text);
    if (!parsed.ok()) return InvalidArgument(parsed.status().message(), "--anchor");
    anchor = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, OpenStore(options));
  // The runtime opens at the book's first entry: a calendar opened at the
  // anchor would refuse every lease that ended before it.
  STRAITS_ASSIGN_OR_RETURN(Instant start, lease::BookStart(text, path, anchor));
  FakeClock clock(start);
  lease::RuntimeOptions runtime_options;
  runtime_options.connections = 2;
  runtime_options.service.reevaluate_on_start = false;
  STRAITS_ASSIGN_OR_RETURN(
      auto runtime, lease::LeaseRuntime::Open(options.db_path, *store, clock, runtime_options));
  STRAITS_ASSIGN_OR_RETURN(
      lease::BookReport r,
      lease::ReplayBook(text, path, anchor, runtime->service(), runtime->leases(), *store, clock));
  if (as_json) {
    std::printf("%s\n", json::serialize(json::object{{"anchor", anchor.ToString()},
                                                     {"requests", r.requests},
                                                     {"scheduled", r.scheduled},
                                                     {"pending_review", r.pending},
                                                     {"denied", r.denied},
                                                     {"refused", r.refused},
                                                     {"changes", r.changes},
                                                     {"skipped", r.skipped},
                                                     {"refused_changes", RefusedChanges(r)},
                                                     {"already_imported", r.already_imported},
                                                     {"moved", r.moved},
                                                     {"held", r.held}})
                            .c_str());
    return Status::Ok();
  }
  if (r.already_imported) {
    std::printf("this lease book was already imported with anchor %s; nothing changed\n",
                anchor.ToString().c_str());
    return Status::Ok();
  }
  std::printf(
      "replayed %d lease requests as of %s: %d scheduled, %d pending review, %d denied, "
      "%d refused; %d reviews and changes (%d skipped, %zu refused); %d moved by the clock; "
      "%d put on compliance hold\n",
      r.requests, anchor.ToString().c_str(), r.scheduled, r.pending, r.denied, r.refused, r.changes,
      r.skipped, r.refused_changes.size(), r.moved, r.held);
  for (const std::string& why : r.refused_changes) std::printf("  refused: %s\n", why.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterLeaseCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  CLI::App* group = app.add_subcommand(
      "lease", "Leases: request (compliance, placement, one transaction), list, review, change");
  group->require_subcommand(1);

  auto rf = std::make_shared<RequestFlags>();
  CLI::App* request = group->add_subcommand(
      "request",
      "Request a lease: evaluated at every candidate site, placed, stored with its decision; "
      "exit 1 with the reason per site when no site can host it");
  request->add_option("--tenant", rf->tenant, "Tenant organization id")->required();
  request->add_option("--accelerator", rf->accelerators, "Acceptable model ids (ID[,ID])")
      ->delimiter(',');
  request->add_option("--min-tpp", rf->min_tpp, "Any model with at least this TPP");
  request->add_option("--gpus", rf->gpus, "GPUs")->required();
  request->add_option("--scope", rf->scope, "node (default), pod or site");
  request->add_option("--start", rf->start, "Fixed start (ISO 8601)");
  request->add_option("--earliest", rf->earliest, "Window start (default now)");
  request->add_option("--latest-end", rf->latest_end, "Window end");
  request->add_option("--duration", rf->duration, "e.g. 72h, 30d")->required();
  request->add_option("--site", rf->sites, "Only this site (repeatable, in preference order)");
  request->add_option("--max-price", rf->max_price, "Price cap per GPU-hour, e.g. \"3.50 USD\"");
  request->add_option("--purpose", rf->purpose, "training, inference, other or undeclared");
  request->add_option("--training-flop", rf->training_flop, "Declared training compute, e.g. 3e24");
  request->add_option("--idempotency-key", rf->idempotency_key,
                      "A retry with the same key creates nothing new");
  request->add_flag("--json", rf->json, "Machine-readable JSON");
  request->callback([&options, report, rf] { report(RequestLease(options, *rf)); });

  auto tenant = std::make_shared<std::string>();
  auto state = std::make_shared<std::string>();
  auto site = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = group->add_subcommand("list", "List leases");
  list->add_option("--tenant", *tenant, "Only this tenant");
  list->add_option("--state", *state, "Only this state (e.g. pending_review, compliance_hold)");
  list->add_option("--site", *site, "Only leases placed at this site");
  list->add_flag("--json", *list_json, "Machine-readable JSON array");
  list->callback([&options, report, tenant, state, site, list_json] {
    report(ListLeases(options, *tenant, *state, *site, *list_json));
  });

  auto show_id = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  CLI::App* show = group->add_subcommand("show", "One lease with every compliance decision");
  show->add_option("ID", *show_id, "Lease id")->required();
  show->add_flag("--json", *show_json, "Machine-readable JSON");
  show->callback(
      [&options, report, show_id, show_json] { report(ShowLease(options, *show_id, *show_json)); });

  auto add_change = [&](const char* name, const char* help, Change change) {
    auto f = std::make_shared<ChangeFlags>();
    CLI::App* cmd = group->add_subcommand(name, help);
    cmd->add_option("ID", f->id, "Lease id")->required();
    if (change == Change::kApprove || change == Change::kDeny) {
      cmd->add_option("--reason", f->reason, "Why (recorded in the audit trail)")->required();
    }
    if (change == Change::kApprove) {
      cmd->add_option("--license", f->license,
                      "License or permit number (required when the verdict is license_required)");
    }
    if (change == Change::kExtend) {
      cmd->add_option("--to", f->to, "New end (ISO 8601)")->required();
    }
    cmd->add_option("--idempotency-key", f->idempotency_key,
                    "A retry with the same key changes nothing again");
    cmd->add_flag("--json", f->json, "Machine-readable JSON");
    cmd->callback([&options, report, f, change] { report(ChangeLease(options, change, *f)); });
  };
  add_change("approve",
             "Approve a lease pending review or on compliance hold (compliance is evaluated again)",
             Change::kApprove);
  add_change("deny", "Deny a lease pending review or on compliance hold", Change::kDeny);
  add_change("cancel", "Cancel before the start, or end now (terminated) after it",
             Change::kCancel);
  add_change("extend", "Move the end later on the same nodes", Change::kExtend);

  CLI::App* tick = group->add_subcommand(
      "tick", "Move leases whose time has come now (what `serve` does every few seconds)");
  tick->callback([&options, report] { report(Tick(options)); });

  auto book_path = std::make_shared<std::string>();
  auto book_anchor = std::make_shared<std::string>();
  auto book_json = std::make_shared<bool>(false);
  CLI::App* import = group->add_subcommand(
      "import",
      "Replay a lease book (JSON lines: requests, reviews, changes at their times) so the "
      "database gets that history; the same book and anchor give the same leases");
  import->add_option("FILE", *book_path, "Lease book, e.g. data/demo/leases.jsonl")->required();
  import->add_option("--anchor", *book_anchor,
                     "The instant the book's relative times count from (default: today 00:00 UTC)");
  import->add_flag("--json", *book_json, "Machine-readable JSON");
  import->callback([&options, report, book_path, book_anchor, book_json] {
    report(ImportBook(options, *book_path, *book_anchor, *book_json));
});

auto reeval_json = std::make_shared<bool>(false);
CLI::App* reevaluate = group->add_subcommand(
    "reevaluate",
    "Evaluate every scheduled and active lease again; stricter verdicts go to compliance_hold");
reevaluate->add_flag("--json", *reeval_json, "Machine-readable JSON");
reevaluate->callback([&options, report, reeval_json] {
  report(Reevaluate(options, *reeval_json));
});
}  // namespace straits::cli

}  // namespace straits::cli

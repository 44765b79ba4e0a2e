// `straits import fleet`, `orgs list`, `sites list`, `nodes list`.
#include <boost/json.hpp>
#include <cstdio>

#include "api/json_io.h"
#include "catalog/shipped.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "fleet/fleet_file.h"
#include "fleet/validate.h"

namespace straits::cli {
namespace {

Status ImportFleet(const GlobalOptions& options, const std::string& file) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  STRAITS_ASSIGN_OR_RETURN(fleet::Fleet parsed, fleet::ParseFleetToml(text, file));
  STRAITS_ASSIGN_OR_RETURN(catalog::Catalog models, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(fleet::ExistingFleet existing, store->LoadExistingFleet());
  STRAITS_RETURN_IF_ERROR(fleet::ValidateFleet(
      parsed, existing, [&](const ModelId& id) { return models.Find(id) != nullptr; }, file));
  STRAITS_RETURN_IF_ERROR(store->ImportFleet(parsed));
  long gpus = 0;
  for (const fleet::Node& node : parsed.nodes) gpus += node.gpus;
  std::printf("imported %zu organizations, %zu sites, %zu pods, %zu nodes (%ld GPUs) from %s\n",
              parsed.organizations.size(), parsed.sites.size(), parsed.pods.size(),
              parsed.nodes.size(), gpus, file.c_str());
  return Status::Ok();
}

// Reads every page of a listing.
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

template <typename T>
void PrintJson(const std::vector<T>& items) {
  boost::json::array array;
  for (const T& item : items) array.push_back(api::ToJson(item));
  std::printf("%s\n", boost::json::serialize(array).c_str());
}

Status ListOrgs(const GlobalOptions& options, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(auto orgs, All<fleet::Organization>([&](const store::PageRequest& p) {
                             return store->ListOrgs(p);
                           }));
  if (json) {
    PrintJson(orgs);
    return Status::Ok();
  }
  Table table({"ID", "NAME", "HQ", "KINDS", "PARENT"});
  for (const fleet::Organization& o : orgs) {
    std::string kinds = o.is_operator ? (o.is_tenant ? "operator,tenant" : "operator") : "tenant";
    table.AddRow(
        {o.id.str(), o.name, std::string(o.hq.code()), kinds, o.parent ? o.parent->str() : "-"});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ListSites(const GlobalOptions& options, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(auto sites, All<fleet::Site>([&](const store::PageRequest& p) {
                             return store->ListSites(p);
                           }));
  std::vector<store::SiteDetail> details;
  for (const fleet::Site& site : sites) {
    STRAITS_ASSIGN_OR_RETURN(store::SiteDetail detail, store->GetSite(site.id));
    details.push_back(std::move(detail));
  }
  if (json) {
    PrintJson(details);
    return Status::Ok();
  }
  Table table({"ID", "NAME", "COUNTRY", "CITY", "OPERATOR", "NODES", "GPUS", "MODELS"});
  for (const store::SiteDetail& d : details) {
    int gpus = 0;
    std::string models;
    for (const auto& [model, count] : d.gpus_by_model) {
      gpus += count;
      models += (models.empty() ? "" : " ") + model.str() + ":" + std::to_string(count);
    }
    table.AddRow({d.site.id.str(), d.site.name, std::string(d.site.country.code()), d.site.city,
                  d.site.operator_id.str(), std::to_string(d.nodes), std::to_string(gpus),
                  models.empty() ? "-" : models});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status ListNodes(const GlobalOptions& options, const std::string& site_text, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  std::optional<SiteId> site;
  if (!site_text.empty()) {
    Result<SiteId> id = SiteId::Parse(site_text);
    if (!id.ok()) return id.status().WithFieldPrefix("--site");
    Result<store::SiteDetail> exists = store->GetSite(*id);
    if (!exists.ok()) return Status(exists.status().code(), exists.status().message(), "--site");
    site = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(auto nodes, All<fleet::Node>([&](const store::PageRequest& p) {
                             return store->ListNodes(site, p);
                           }));
  if (json) {
    PrintJson(nodes);
    return Status::Ok();
  }
  Table table({"HOSTNAME", "SITE", "POD", "MODEL", "GPUS"});
  for (const fleet::Node& n : nodes) {
    table.AddRow(
        {n.hostname.str(), n.site.str(), n.pod.str(), n.model.str(), std::to_string(n.gpus)});
  }
  table.Print(stdout);
  return Status::Ok();
}

}  // namespace

void RegisterFleetCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };

  CLI::App* import = SubcommandGroup(app, "import", "Import data files into the database");
  CLI::App* fleet_cmd = import->add_subcommand(
      "fleet",
      "Load organizations, sites, pods and nodes from a fleet TOML file, in one "
      "transaction (re-importing updates entries by id). See docs/fleet-format.md");
  auto file = std::make_shared<std::string>();
  fleet_cmd->add_option("FILE", *file, "Fleet file (TOML)")->required();
  fleet_cmd->callback([&options, report, file] { report(ImportFleet(options, *file)); });

  auto add_list = [&](const char* noun, const char* help) {
    CLI::App* group = app.add_subcommand(noun, help);
    group->require_subcommand(1);
    CLI::App* list = group->add_subcommand("list", std::string("List ") + noun);
    auto json = std::make_shared<bool>(false);
    list->add_flag("--json", *json, "Machine-readable JSON array");
    return std::make_pair(list, json);
  };

  auto [orgs, orgs_json] = add_list("orgs", "Organizations: operators and tenants");
  orgs->callback([&options, report, json = orgs_json] { report(ListOrgs(options, *json)); });

  auto [sites, sites_json] = add_list("sites", "Sites (data centers)");
  sites->callback([&options, report, json = sites_json] { report(ListSites(options, *json)); });

  auto [nodes, nodes_json] = add_list("nodes", "Nodes and their accelerators");
  auto site = std::make_shared<std::string>();
  nodes->add_option("--site", *site, "Only nodes of this site id");
  nodes->callback(
      [&options, report, json = nodes_json, site] { report(ListNodes(options, *site, *json)); });
}

}  // namespace straits::cli

#include "fleet/fleet_file.h"

#include <toml++/toml.h>

#include <set>

#include "fleet/hostlist.h"

namespace straits::fleet {
namespace {

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Reads typed keys from one TOML table, recording the first error with its line.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string_view source, std::string_view kind)
      : table_(table), source_(source), kind_(kind) {}

  int line() const { return static_cast<int>(table_.source().begin.line); }

  Status Error(const toml::node* at, std::string message) const {
    int where = at ? static_cast<int>(at->source().begin.line) : line();
    return InvalidArgument(std::string(kind_) + ": " + std::move(message),
                           std::string(source_) + ":" + std::to_string(where));
  }

  // Every key must be one of `allowed`.
  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : table_) {
      bool known = false;
      for (std::string_view a : allowed) known = known || key.str() == a;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Error(&value,
                     "unknown key \"" + std::string(key.str()) + "\" (accepted: " + list + ")");
      }
    }
    return Status::Ok();
  }

  Result<std::string> String(std::string_view key, bool required = true) const {
    const toml::node* node = table_.get(key);
    if (!node) {
      if (!required) return std::string();
      return Error(nullptr, "missing required key \"" + std::string(key) + "\"");
    }
    if (!node->is_string()) {
      return Error(node, "\"" + std::string(key) + "\" must be a string, found " + TypeName(*node));
    }
    return std::string(*node->value<std::string_view>());
  }

  Result<int64_t> Integer(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return Error(nullptr, "missing required key \"" + std::string(key) + "\"");
    if (!node->is_integer()) {
      return Error(node,
                   "\"" + std::string(key) + "\" must be an integer, found " + TypeName(*node));
    }
    return *node->value<int64_t>();
  }

  Result<std::vector<std::string>> StringArray(std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* node = table_.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) return Error(node, "\"" + std::string(key) + "\" must be an array of strings");
    for (const toml::node& element : *array) {
      if (!element.is_string()) {
        return Error(&element, "\"" + std::string(key) + "\" must contain only strings");
      }
      out.emplace_back(*element.value<std::string_view>());
    }
    return out;
  }

  template <typename IdT>
  Result<IdT> IdValue(std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::string text, String(key));
    Result<IdT> id = IdT::Parse(text);
    if (!id.ok())
      return Error(table_.get(key), "\"" + std::string(key) + "\": " + id.status().message());
    return id;
  }

  Result<Country> CountryValue(std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::string text, String(key));
    Result<Country> c = Country::Parse(text);
    if (!c.ok())
      return Error(table_.get(key), "\"" + std::string(key) + "\": " + c.status().message());
    return c;
  }

  const toml::table& table() const { return table_; }

 private:
  const toml::table& table_;
  std::string_view source_;
  std::string_view kind_;
};

Status ParseOrganization(const TableReader& r, Fleet& fleet) {
  STRAITS_RETURN_IF_ERROR(
      r.CheckKeys({"id", "name", "hq", "parent", "kinds", "aliases", "billing_country"}));
  STRAITS_ASSIGN_OR_RETURN(OrgId id, r.IdValue<OrgId>("id"));
  STRAITS_ASSIGN_OR_RETURN(std::string name, r.String("name"));
  if (name.empty()) return r.Error(r.table().get("name"), "\"name\" must not be empty");
  STRAITS_ASSIGN_OR_RETURN(Country hq, r.CountryValue("hq"));
  Organization org{id, name, {}, hq, std::nullopt, std::nullopt, false, false};
  STRAITS_ASSIGN_OR_RETURN(org.aliases, r.StringArray("aliases"));
  if (r.table().contains("billing_country")) {
    STRAITS_ASSIGN_OR_RETURN(Country billing, r.CountryValue("billing_country"));
    org.billing_country = billing;
  }
  if (r.table().contains("parent")) {
    STRAITS_ASSIGN_OR_RETURN(OrgId parent, r.IdValue<OrgId>("parent"));
    org.parent = parent;
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<std::string> kinds, r.StringArray("kinds"));
  if (kinds.empty()) {
    return r.Error(r.table().get("kinds"),
                   "\"kinds\" must list at least one of \"operator\", \"tenant\"");
  }
  for (const std::string& kind : kinds) {
    if (kind == "operator") {
      org.is_operator = true;
    } else if (kind == "tenant") {
      org.is_tenant = true;
    } else {
      return r.Error(r.table().get("kinds"),
                     "unknown kind \"" + kind + "\" (accepted: operator, tenant)");
    }
  }
  fleet.organizations.push_back(std::move(org));
  fleet.organization_lines.push_back(r.line());
  return Status::Ok();
}

Status ParseSite(const TableReader& r, Fleet& fleet) {
  STRAITS_RETURN_IF_ERROR(r.CheckKeys({"id", "name", "country", "city", "operator"}));
  STRAITS_ASSIGN_OR_RETURN(SiteId id, r.IdValue<SiteId>("id"));
  STRAITS_ASSIGN_OR_RETURN(std::string name, r.String("name"));
  STRAITS_ASSIGN_OR_RETURN(Country country, r.CountryValue("country"));
  STRAITS_ASSIGN_OR_RETURN(std::string city, r.String("city"));
  STRAITS_ASSIGN_OR_RETURN(OrgId op, r.IdValue<OrgId>("operator"));
  fleet.sites.push_back(Site{id, name, country, city, op});
  fleet.site_lines.push_back(r.line());
  return Status::Ok();
}

Status ParsePod(const TableReader& r, Fleet& fleet) {
  STRAITS_RETURN_IF_ERROR(r.CheckKeys({"id", "site"}));
  STRAITS_ASSIGN_OR_RETURN(PodId id, r.IdValue<PodId>("id"));
  STRAITS_ASSIGN_OR_RETURN(SiteId site, r.IdValue<SiteId>("site"));
  fleet.pods.push_back(Pod{id, site});
  fleet.pod_lines.push_back(r.line());
  return Status::Ok();
}

Status ParseNode(const TableReader& r, Fleet& fleet) {
  STRAITS_RETURN_IF_ERROR(r.CheckKeys({"hostname", "pod", "model", "gpus"}));
  STRAITS_ASSIGN_OR_RETURN(std::string pattern, r.String("hostname"));
  Result<std::vector<std::string>> hosts = ExpandHostList(pattern);
  if (!hosts.ok()) return r.Error(r.table().get("hostname"), hosts.status().message());
  STRAITS_ASSIGN_OR_RETURN(PodId pod, r.IdValue<PodId>("pod"));
  STRAITS_ASSIGN_OR_RETURN(ModelId model, r.IdValue<ModelId>("model"));
  STRAITS_ASSIGN_OR_RETURN(int64_t gpus, r.Integer("gpus"));
  if (gpus < 1 || gpus > 1024) {
    return r.Error(r.table().get("gpus"),
                   "\"gpus\" must be between 1 and 1024, got " + std::to_string(gpus));
  }
  for (const std::string& host : *hosts) {
    Result<NodeId> id = NodeId::Parse(host);
    if (!id.ok()) return r.Error(r.table().get("hostname"), "hostname: " + id.status().message());
    fleet.nodes.push_back(Node{*id, pod, SiteId(), model, static_cast<int>(gpus)});
    fleet.node_lines.push_back(r.line());
  }
  return Status::Ok();
}

// A table of string values (`env`, `nodes` of [[site_backend]]).
Result<std::map<std::string, std::string>> StringTable(const TableReader& r, std::string_view key) {
  std::map<std::string, std::string> out;
  const toml::node* node = r.table().get(key);
  if (!node) return out;
  const toml::table* table = node->as_table();
  if (!table) return r.Error(node, "\"" + std::string(key) + "\" must be a table of strings");
  for (const auto& [name, value] : *table) {
    if (!value.is_string()) {
      return r.Error(&value, "\"" + std::string(key) + "." + std::string(name.str()) +
                                 "\" must be a string, found " + TypeName(value));
    }
    out[std::string(name.str())] = std::string(*value.value<std::string_view>());
  }
  return out;
}

Status ParseSiteBackend(const TableReader& r, Fleet& fleet) {
  STRAITS_RETURN_IF_ERROR(r.CheckKeys({"site", "backend", "cluster", "slurm_conf", "env", "nodes",
                                       "name_prefix", "user", "work_dir"}));
  SiteBackend b;
  STRAITS_ASSIGN_OR_RETURN(b.site, r.IdValue<SiteId>("site"));
  STRAITS_ASSIGN_OR_RETURN(b.backend, r.String("backend"));
  if (b.backend != "sim" && b.backend != "slurm") {
    return r.Error(r.table().get("backend"),
                   "unknown backend \"" + b.backend + "\" (accepted: sim, slurm)");
  }
  STRAITS_ASSIGN_OR_RETURN(b.cluster, r.String("cluster", b.backend == "slurm"));
  STRAITS_ASSIGN_OR_RETURN(b.slurm_conf, r.String("slurm_conf", false));
  STRAITS_ASSIGN_OR_RETURN(b.name_prefix, r.String("name_prefix", false));
  STRAITS_ASSIGN_OR_RETURN(b.user, r.String("user", false));
  STRAITS_ASSIGN_OR_RETURN(b.work_dir, r.String("work_dir", false));
  STRAITS_ASSIGN_OR_RETURN(b.env, StringTable(r, "env"));
  STRAITS_ASSIGN_OR_RETURN(b.nodes, StringTable(r, "nodes"));
  fleet.site_backends.push_back(std::move(b));
  fleet.site_backend_lines.push_back(r.line());
  return Status::Ok();
}

}  // namespace

Result<Fleet> ParseFleetToml(std::string_view text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return InvalidArgument(std::string(e.description()), std::string(source_name) + ":" +
                                                             std::to_string(begin.line) + ":" +
                                                             std::to_string(begin.column));
  }
  Fleet fleet;
  using Parser = Status (*)(const TableReader&, Fleet&);
  struct Section {
    std::string_view key;
    Parser parse;
  };
  static constexpr Section kSections[] = {{"organization", &ParseOrganization},
                                          {"site", &ParseSite},
                                          {"pod", &ParsePod},
                                          {"node", &ParseNode},
                                          {"site_backend", &ParseSiteBackend}};
  for (const auto& [key, value] : root) {
    const Section* section = nullptr;
    for (const Section& s : kSections) {
      if (key.str() == s.key) section = &s;
    }
    const std::string where =
        std::string(source_name) + ":" + std::to_string(value.source().begin.line);
    if (!section) {
      return InvalidArgument("unknown top-level key \"" + std::string(key.str()) +
                                 "\" (accepted: [[organization]], [[site]], [[pod]], [[node]], "
                                 "[[site_backend]])",
                             where);
    }
    const toml::array* array = value.as_array();
    if (!array) {
      return InvalidArgument("\"" + std::string(key.str()) +
                                 "\" must be an array of tables: write [[" +
                                 std::string(key.str()) + "]]",
                             where);
    }
    for (const toml::node& element : *array) {
      const toml::table* table = element.as_table();
      if (!table) {
        return InvalidArgument(
            "each \"" + std::string(key.str()) + "\" entry must be a table",
            std::string(source_name) + ":" + std::to_string(element.source().begin.line));
      }
      STRAITS_RETURN_IF_ERROR(section->parse(TableReader(*table, source_name, key.str()), fleet));
    }
  }
  return fleet;
}

}  // namespace straits::fleet

#include "policy/json.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace straits::policy {
namespace {

namespace json = boost::json;

json::value DateOrNull(const std::optional<Instant>& date) {
  if (!date) return nullptr;
  return json::value(date->DateString());
}

json::value CountryOrNull(const std::optional<Country>& country) {
  if (!country) return nullptr;
  return json::value(std::string(country->code()));
}

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

// Typed reads of a JSON object with field-path errors.
class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_) {
      if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) != allowed.end()) {
        continue;
      }
      std::string list;
      for (std::string_view name : allowed) {
        if (!list.empty()) list += ", ";
        list += name;
      }
      return InvalidArgument("unknown key (accepted: " + list + ")", Join(path_, key));
    }
    return Status::Ok();
  }
  const json::value* Get(std::string_view key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }
  Result<std::optional<std::string>> String(std::string_view key) const {
    const json::value* value = Get(key);
    if (!value) return std::optional<std::string>();
    if (!value->is_string()) return Wrong(key, "a string");
    return std::optional<std::string>(std::string(value->as_string()));
  }
  Result<std::string> RequiredString(std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> value, String(key));
    if (!value) return InvalidArgument("required (a string)", Join(path_, key));
    return *value;
  }
  Result<std::optional<double>> Number(std::string_view key) const {
    const json::value* value = Get(key);
    if (!value) return std::optional<double>();
    if (value->is_int64()) return std::optional<double>(static_cast<double>(value->as_int64()));
    if (value->is_uint64()) return std::optional<double>(static_cast<double>(value->as_uint64()));
    if (value->is_double() && std::isfinite(value->as_double())) {
      return std::optional<double>(value->as_double());
    }
    return Wrong(key, "a number");
  }
  Result<std::optional<bool>> Bool(std::string_view key) const {
    const json::value* value = Get(key);
    if (!value) return std::optional<bool>();
    if (!value->is_bool()) return Wrong(key, "true or false");
    return std::optional<bool>(value->as_bool());
  }
  Result<std::optional<Country>> CountryField(std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> text, String(key));
    if (!text) return std::optional<Country>();
    Result<Country> country = Country::Parse(*text);
    if (!country.ok()) {
      return InvalidArgument(
          country.status().message() + " (an ISO 3166-1 alpha-2 code such as \"MY\")",
          Join(path_, key));
    }
    return std::optional<Country>(*country);
  }
  Result<std::optional<Instant>> Date(std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> text, String(key));
    if (!text) return std::optional<Instant>();
    Result<Instant> date = Instant::Parse(*text);
    if (!date.ok()) {
      return InvalidArgument(date.status().message() + " (a date YYYY-MM-DD)", Join(path_, key));
    }
    return std::optional<Instant>(*date);
  }
  Result<std::vector<std::string>> Strings(std::string_view key) const {
    std::vector<std::string> out;
    const json::value* value = Get(key);
    if (!value) return out;
    if (!value->is_array()) return Wrong(key, "an array of strings");
    const json::array& array = value->as_array();
    for (size_t idx = 0; idx < array.size(); ++idx) {
      if (!array[idx].is_string()) {
        return InvalidArgument("must be a string",
                               Join(path_, key) + "[" + std::to_string(idx) + "]");
      }
      out.emplace_back(array[idx].as_string());
    }
    return out;
  }
  const std::string& path() const { return path_; }
  Status Wrong(std::string_view key, std::string_view expected) const {
    return InvalidArgument("must be " + std::string(expected), Join(path_, key));
  }

 private:
  const json::object& object_;
  std::string path_;
};

Result<PartyName> PartyNameFromJson(const json::value& value, const std::string& path) {
  if (!value.is_object()) return InvalidArgument("must be an object", path);
  ObjectReader reader(value.as_object(), path);
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys({"name", "aliases", "hq"}));
  PartyName name;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> text, reader.String("name"));
  if (text) name.name = *text;
  STRAITS_ASSIGN_OR_RETURN(name.aliases, reader.Strings("aliases"));
  STRAITS_ASSIGN_OR_RETURN(name.hq, reader.CountryField("hq"));
  return name;
}

Result<PartyInput> PartyFromJson(const json::value& value, const std::string& path) {
  if (!value.is_object()) return InvalidArgument("must be an object", path);
  ObjectReader reader(value.as_object(), path);
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys(
      {"name", "aliases", "hq", "parent_hq", "owners", "listed", "affiliate_of_listed"}));
  PartyInput input;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> name, reader.String("name"));
  if (name) input.party.name = *name;
  STRAITS_ASSIGN_OR_RETURN(input.party.aliases, reader.Strings("aliases"));
  STRAITS_ASSIGN_OR_RETURN(input.party.hq, reader.CountryField("hq"));
  STRAITS_ASSIGN_OR_RETURN(input.parent_hq, reader.CountryField("parent_hq"));
  if (const json::value* owners = reader.Get("owners")) {
    if (!owners->is_array()) return reader.Wrong("owners", "an array of {name, aliases, hq}");
    const json::array& array = owners->as_array();
    for (size_t idx = 0; idx < array.size(); ++idx) {
      STRAITS_ASSIGN_OR_RETURN(
          PartyName owner,
          PartyNameFromJson(array[idx], Join(path, "owners") + "[" + std::to_string(idx) + "]"));
      input.party.owners.push_back(std::move(owner));
    }
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<bool> listed, reader.Bool("listed"));
  input.listed = listed.value_or(false);
  STRAITS_ASSIGN_OR_RETURN(std::optional<bool> affiliate, reader.Bool("affiliate_of_listed"));
  input.affiliate_of_listed = affiliate.value_or(false);
  return input;
}

json::array MatchesToJson(std::span<const Match> matches) {
  json::array out;
  for (const Match& match : matches) out.push_back(MatchToJson(match));
  return out;
}

}  // namespace

Result<CheckRequest> CheckRequestFromJson(const json::value& body) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  ObjectReader reader(body.as_object(), "");
  STRAITS_RETURN_IF_ERROR(
      reader.CheckKeys({"kind", "date", "item", "count", "regimes", "only_regimes", "from", "to",
                        "consignee", "site_country", "site_id", "operator", "tenant", "tenant_id",
                        "end_use", "training_flop", "totals"}));
  CheckRequest request;
  STRAITS_ASSIGN_OR_RETURN(std::string kind, reader.RequiredString("kind"));
  std::optional<Kind> parsed_kind = ParseKind(kind);
  if (!parsed_kind) {
    return InvalidArgument("must be \"export\" or \"remote_access\", found \"" + kind + "\"",
                           "kind");
  }
  request.kind = *parsed_kind;
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> date, reader.Date("date"));
  if (!date) return InvalidArgument("required (a date YYYY-MM-DD)", "date");
  request.date = *date;
  STRAITS_ASSIGN_OR_RETURN(std::string item, reader.RequiredString("item"));
  Result<ModelId> model = ModelId::Parse(item);
  if (!model.ok()) return InvalidArgument(model.status().message(), "item");
  request.item = *model;
  STRAITS_ASSIGN_OR_RETURN(std::optional<double> count, reader.Number("count"));
  if (count) {
    if (*count < 1 || *count != std::floor(*count) || *count > 1e12) {
      return InvalidArgument("must be a whole number of accelerators, 1 or more", "count");
    }
    request.count = static_cast<int64_t>(*count);
  }
  STRAITS_ASSIGN_OR_RETURN(request.regimes, reader.Strings("regimes"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<bool> only, reader.Bool("only_regimes"));
  request.only_regimes = only.value_or(false);
  if (request.only_regimes && request.regimes.empty()) {
    return InvalidArgument("only_regimes needs at least one pack in regimes", "only_regimes");
  }
  if (const json::value* totals = reader.Get("totals")) {
    if (!totals->is_object()) return reader.Wrong("totals", "an object");
    ObjectReader totals_reader(totals->as_object(), "totals");
    STRAITS_RETURN_IF_ERROR(totals_reader.CheckKeys({"country_tpp", "consignee_year_tpp"}));
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> country_tpp,
                             totals_reader.Number("country_tpp"));
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> consignee_tpp,
                             totals_reader.Number("consignee_year_tpp"));
    if ((country_tpp && *country_tpp < 0) || (consignee_tpp && *consignee_tpp < 0)) {
      return InvalidArgument("running totals must be 0 or more", "totals");
    }
    if (country_tpp) request.country_total_tpp = *country_tpp;
    if (consignee_tpp) request.consignee_year_tpp = *consignee_tpp;
  }
  auto forbid = [&](std::initializer_list<std::string_view> keys) -> Status {
    for (std::string_view key : keys) {
      if (reader.Get(key)) {
        return InvalidArgument("not used by a " + kind + " check", std::string(key));
      }
    }
    return Status::Ok();
  };
  if (request.kind == Kind::kExport) {
    STRAITS_RETURN_IF_ERROR(forbid({"site_country", "site_id", "operator", "tenant", "tenant_id",
                                    "end_use", "training_flop"}));
    STRAITS_ASSIGN_OR_RETURN(request.from, reader.CountryField("from"));
    STRAITS_ASSIGN_OR_RETURN(request.to, reader.CountryField("to"));
    if (!request.from) return InvalidArgument("required for an export (a country code)", "from");
    if (!request.to) return InvalidArgument("required for an export (a country code)", "to");
    const json::value* consignee = reader.Get("consignee");
    if (!consignee)
      return InvalidArgument("required for an export (an object with hq)", "consignee");
    STRAITS_ASSIGN_OR_RETURN(request.consignee, PartyFromJson(*consignee, "consignee"));
    if (!request.consignee.party.hq) {
      return InvalidArgument("required (the consignee's headquarters country)", "consignee.hq");
    }
    return request;
  }
  STRAITS_RETURN_IF_ERROR(forbid({"from", "to", "consignee"}));
  STRAITS_ASSIGN_OR_RETURN(request.site_country, reader.CountryField("site_country"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> site_id, reader.String("site_id"));
  if (site_id) {
    Result<SiteId> id = SiteId::Parse(*site_id);
    if (!id.ok()) return InvalidArgument(id.status().message(), "site_id");
    request.site_id = *id;
  }
  if (!request.site_country && !request.site_id) {
    return InvalidArgument("remote access needs site_country or site_id", "site_country");
  }
  if (const json::value* operator_party = reader.Get("operator")) {
    STRAITS_ASSIGN_OR_RETURN(request.operator_party, PartyFromJson(*operator_party, "operator"));
  } else if (!request.site_id) {
    return InvalidArgument("required without site_id (an object with hq)", "operator");
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> tenant_id, reader.String("tenant_id"));
  if (const json::value* tenant = reader.Get("tenant")) {
    STRAITS_ASSIGN_OR_RETURN(request.tenant, PartyFromJson(*tenant, "tenant"));
  } else if (!tenant_id) {
    return InvalidArgument("remote access needs tenant (an object with hq) or tenant_id", "tenant");
  }
  if (tenant_id) {
    Result<OrgId> id = OrgId::Parse(*tenant_id);
    if (!id.ok()) return InvalidArgument(id.status().message(), "tenant_id");
    request.tenant.id = *id;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> end_use, reader.String("end_use"));
  if (end_use) {
    std::optional<EndUse> parsed = ParseEndUse(*end_use);
    if (!parsed) {
      return InvalidArgument(
          "must be \"training\", \"inference\", \"other\" or \"undeclared\", "
          "found \"" +
              *end_use + "\"",
          "end_use");
    }
    request.end_use = *parsed;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<double> flop, reader.Number("training_flop"));
  if (flop) {
    if (*flop < 0) return InvalidArgument("must be 0 or more", "training_flop");
    request.training_flop = *flop;
  }
  request.end_use = ImpliedEndUse(request.end_use, flop.has_value());
  return request;
}

json::object DecisionToJson(const Decision& decision, std::span<const PartyScreening> screenings) {
  json::object out;
  out["verdict"] = VerdictName(decision.verdict());
  out["undetermined"] = decision.undetermined();
  out["date"] = decision.date().DateString();
  out["kind"] = KindName(decision.kind());
  json::array hits;
  for (const Hit& hit : decision.hits()) {
    hits.push_back(json::object{
        {"regime", hit.pack->id},
        {"rule", hit.rule->id},
        {"citation", hit.rule->citation},
        {"verdict", VerdictName(hit.verdict)},
        {"message", hit.message},
        {"status", catalog::RegimeStatusName(hit.pack->status)},
        {"jurisdiction", hit.pack->jurisdiction},
        {"undetermined", hit.undetermined},
    });
  }
  out["hits"] = std::move(hits);
  json::array regimes;
  for (const Pack* pack : decision.packs()) {
    regimes.push_back(json::object{{"id", pack->id},
                                   {"hash", pack->hash},
                                   {"status", catalog::RegimeStatusName(pack->status)}});
  }
  out["regimes"] = std::move(regimes);
  if (!screenings.empty()) {
    json::array screening;
    for (const PartyScreening& party : screenings) {
      screening.push_back(PartyScreeningToJson(party));
    }
    out["screening"] = std::move(screening);
  }
  return out;
}

json::object ClearanceToJson(const Clearance& clearance) {
  return json::object{{"party_name", clearance.party_name},
                      {"entry_id", clearance.entry_id},
                      {"reason", clearance.reason},
                      {"cleared_by", clearance.cleared_by},
                      {"cleared_at", clearance.cleared_at.ToString()}};
}

Result<Clearance> ClearanceFromJson(const json::value& body) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  ObjectReader reader(body.as_object(), "");
  STRAITS_RETURN_IF_ERROR(
      reader.CheckKeys({"party_name", "entry_id", "reason", "cleared_by", "cleared_at"}));
  Clearance clearance;
  STRAITS_ASSIGN_OR_RETURN(clearance.party_name, reader.RequiredString("party_name"));
  STRAITS_ASSIGN_OR_RETURN(clearance.entry_id, reader.RequiredString("entry_id"));
  STRAITS_ASSIGN_OR_RETURN(clearance.reason, reader.RequiredString("reason"));
  STRAITS_ASSIGN_OR_RETURN(clearance.cleared_by, reader.RequiredString("cleared_by"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> at, reader.Date("cleared_at"));
  if (!at) return InvalidArgument("required (an ISO 8601 instant)", "cleared_at");
  clearance.cleared_at = *at;
  STRAITS_RETURN_IF_ERROR(ValidateClearance(clearance));
  return clearance;
}

json::object ListEntryToJson(const ListEntry& entry) {
  json::array alt_names;
  for (const std::string& alt : entry.alt_names) alt_names.push_back(json::value(alt));
  return json::object{{"id", entry.id},
                      {"list", entry.list},
                      {"name", entry.name},
                      {"alt_names", std::move(alt_names)},
                      {"country", CountryOrNull(entry.country)},
                      {"date_added", entry.date_added.DateString()},
                      {"citation", entry.citation},
                      {"remarks", entry.remarks}};
}

json::object MatchToJson(const Match& match) {
  json::object out{{"score", std::round(match.score * 1000) / 1000},
                   {"query", match.query},
                   {"matched_name", match.matched_name},
                   {"entry", ListEntryToJson(*match.entry)}};
  out["cleared"] = match.clearance ? json::value(ClearanceToJson(*match.clearance)) : nullptr;
  return out;
}

json::object PartyScreeningToJson(const PartyScreening& screening) {
  json::array owners;
  for (const PartyScreening::OwnerMatches& owner : screening.owners) {
    owners.push_back(json::object{
        {"owner", owner.owner}, {"depth", owner.depth}, {"matches", MatchesToJson(owner.matches)}});
  }
  return json::object{{"role", screening.role},
                      {"name", screening.name},
                      {"listed", screening.listed},
                      {"affiliate_of_listed", screening.affiliate_of_listed},
                      {"listed_entry", screening.listed_entry},
                      {"matches", MatchesToJson(screening.matches)},
                      {"owners", std::move(owners)}};
}

Result<ScreenRequest> ScreenRequestFromJson(const json::value& body) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  ObjectReader reader(body.as_object(), "");
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys({"name", "country", "date", "limit"}));
  ScreenRequest request;
  STRAITS_ASSIGN_OR_RETURN(request.name, reader.RequiredString("name"));
  if (request.name.empty() || request.name.size() > 1000) {
    return InvalidArgument("must be 1 to 1000 characters", "name");
  }
  STRAITS_ASSIGN_OR_RETURN(request.country, reader.CountryField("country"));
  STRAITS_ASSIGN_OR_RETURN(request.date, reader.Date("date"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<double> limit, reader.Number("limit"));
  if (limit) {
    if (*limit < 1 || *limit > 100 || *limit != std::floor(*limit)) {
      return InvalidArgument("must be a whole number from 1 to 100", "limit");
    }
    request.limit = static_cast<size_t>(*limit);
  }
  return request;
}

json::object ScreenResultToJson(const ScreenRequest& request, std::span<const Match> matches,
                                double threshold) {
  return json::object{{"name", request.name},
                      {"country", CountryOrNull(request.country)},
                      {"date", DateOrNull(request.date)},
                      {"threshold", threshold},
                      {"matches", MatchesToJson(matches)}};
}

json::object PackSummaryToJson(const Pack& pack, Instant date) {
  return json::object{{"id", pack.id},
                      {"jurisdiction", pack.jurisdiction},
                      {"title", pack.title},
                      {"status", catalog::RegimeStatusName(pack.status)},
                      {"published", pack.published.DateString()},
                      {"effective", pack.effective.DateString()},
                      {"compliance", DateOrNull(pack.compliance)},
                      {"rescinded", DateOrNull(pack.rescinded)},
                      {"suspended_from", DateOrNull(pack.suspended_from)},
                      {"suspended_until", DateOrNull(pack.suspended_until)},
                      {"date", date.DateString()},
                      {"in_force", pack.InForceOn(date)},
                      {"state", pack.StatusOn(date)},
                      {"hash", pack.hash},
                      {"origin", pack.imported ? "imported" : "shipped"},
                      {"rule_count", pack.rules.size()}};
}

json::array PackListToJson(const Engine& engine, Instant date) {
  json::array out;
  for (const Pack& pack : engine.packs()) out.push_back(PackSummaryToJson(pack, date));
  return out;
}

json::object PackToJson(const Pack& pack, Instant date) {
  json::object out = PackSummaryToJson(pack, date);
  json::array sources;
  for (const std::string& source : pack.sources) sources.push_back(json::value(source));
  out["sources"] = std::move(sources);
  out["source_file"] = pack.source_name;
  out["thresholds"] = pack.classification
                          ? json::value(pack.thresholds.empty() ? pack.id : pack.thresholds)
                          : json::value(nullptr);
  json::array groups;
  for (const CountryGroup& group : pack.groups) {
    json::array members;
    for (const std::string& code : group.MembersOn(date)) members.push_back(json::value(code));
    json::array memberships;
    for (const GroupMembership& m : group.members()) {
      std::array<char, 2> code = CodeOf(m.country);
      memberships.push_back(json::object{{"country", std::string(code.data(), 2)},
                                         {"from", DateOrNull(m.from)},
                                         {"until", DateOrNull(m.until)},
                                         {"source", m.source}});
    }
    groups.push_back(json::object{{"id", group.id()},
                                  {"source", group.source()},
                                  {"members_on_date", std::move(members)},
                                  {"memberships", std::move(memberships)}});
  }
  out["groups"] = std::move(groups);
  json::array rules;
  for (const Rule& rule : pack.rules) {
    json::array kinds;
    for (Kind kind : {Kind::kExport, Kind::kRemoteAccess}) {
      if (rule.AppliesTo(kind)) kinds.push_back(json::value(KindName(kind)));
    }
    rules.push_back(json::object{{"id", rule.id},
                                 {"citation", rule.citation},
                                 {"kinds", std::move(kinds)},
                                 {"from", DateOrNull(rule.from)},
                                 {"until", DateOrNull(rule.until)},
                                 {"active_on_date", rule.ActiveOn(date)},
                                 {"when", rule.when},
                                 {"verdict", VerdictName(rule.verdict)},
                                 {"message", rule.message.text()}});
  }
  out["rules"] = std::move(rules);
  return out;
}

Result<WhatIfScenario> WhatIfScenarioFromJson(const json::value& body) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  ObjectReader reader(body.as_object(), "");
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys({"date", "regimes", "only_regimes"}));
  WhatIfScenario scenario;
  STRAITS_ASSIGN_OR_RETURN(scenario.date, reader.Date("date"));
  STRAITS_ASSIGN_OR_RETURN(scenario.regimes, reader.Strings("regimes"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<bool> only, reader.Bool("only_regimes"));
  scenario.only_regimes = only.value_or(false);
  if (scenario.only_regimes && scenario.regimes.empty()) {
    return InvalidArgument("only_regimes needs at least one pack in regimes", "only_regimes");
  }
  return scenario;
}

json::object WhatIfReportToJson(const WhatIfReport& report) {
  auto strings = [](const std::vector<std::string>& values) {
    json::array out;
    for (const std::string& value : values) out.push_back(json::value(value));
    return out;
  };
  json::array changes;
  for (const WhatIfChange& change : report.changes) {
    changes.push_back(json::object{
        {"tenant", change.tenant},
        {"site", change.site},
        {"model", change.model},
        {"label", change.label},
        {"change", change.change},
        {"baseline", json::object{{"verdict", VerdictName(change.baseline)},
                                  {"rules", strings(change.baseline_rules)}}},
        {"scenario", json::object{{"verdict", VerdictName(change.scenario)},
                                  {"rules", strings(change.scenario_rules)},
                                  {"messages", strings(change.scenario_messages)}}},
    });
  }
  return json::object{{"baseline_date", report.baseline_date.DateString()},
                      {"scenario_date", report.scenario_date.DateString()},
                      {"scenario_regimes", strings(report.scenario_regimes)},
                      {"combinations", report.combinations},
                      {"stricter", report.stricter},
                      {"looser", report.looser},
                      {"rules_changed", report.rules_changed},
                      {"changes", std::move(changes)}};
}

}  // namespace straits::policy

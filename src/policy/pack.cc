#include "policy/pack.h"

#include <openssl/evp.h>
#include <toml++/toml.h>

#include <algorithm>
#include <initializer_list>

#include "core/ids.h"

namespace straits::policy {
namespace {

// Typed reads from toml++ with FILE:LINE:COL errors.
class Reader {
 public:
  Reader(std::string_view text, std::string_view source_name)
      : text_(text), source_name_(source_name) {}

  std::string Location(const toml::node& node) const {
    const toml::source_position& pos = node.source().begin;
    if (pos.line == 0) return std::string(source_name_) + ":1:1";
    return std::string(source_name_) + ":" + std::to_string(pos.line) + ":" +
           std::to_string(pos.column);
  }
  Status Error(const toml::node& at, std::string_view path, std::string_view message) const {
    return InvalidArgument(std::string(path) + ": " + std::string(message), Location(at));
  }

  Status CheckKeys(const toml::table& table, std::string_view path,
                   std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string list;
      for (std::string_view name : allowed) {
        if (!list.empty()) list += ", ";
        list += name;
      }
      return InvalidArgument(Join(path, key.str()) + ": unknown key (accepted here: " + list + ")",
                             LocationOfKey(key, value));
    }
    return Status::Ok();
  }

  Result<std::string> RequiredString(const toml::table& table, std::string_view path,
                                     std::string_view key) const {
    const toml::node* node = table.get(key);
    if (!node) return Missing(table, path, key, "a string");
    const auto* value = node->as_string();
    if (!value) return WrongType(*node, path, key, "a string");
    return value->get();
  }
  Result<std::optional<std::string>> OptionalString(const toml::table& table, std::string_view path,
                                                    std::string_view key) const {
    const toml::node* node = table.get(key);
    if (!node) return std::optional<std::string>();
    const auto* value = node->as_string();
    if (!value) return WrongType(*node, path, key, "a string");
    return std::optional<std::string>(value->get());
  }
  Result<std::optional<Instant>> OptionalDate(const toml::table& table, std::string_view path,
                                              std::string_view key) const {
    const toml::node* node = table.get(key);
    if (!node) return std::optional<Instant>();
    if (const auto* date = node->as_date()) {
      const toml::date& d = date->get();
      Result<Instant> instant = Instant::FromCivil(d.year, d.month, d.day);
      if (!instant.ok()) return Error(*node, Join(path, key), instant.status().message());
      return std::optional<Instant>(*instant);
    }
    if (const auto* text = node->as_string()) {
      Result<Instant> instant = Instant::Parse(text->get());
      if (!instant.ok() || text->get().size() != 10) {
        return Error(*node, Join(path, key),
                     "must be a date YYYY-MM-DD, found \"" + text->get() + "\"");
      }
      return std::optional<Instant>(*instant);
    }
    return WrongType(*node, path, key, "a date (YYYY-MM-DD)");
  }
  Result<Instant> RequiredDate(const toml::table& table, std::string_view path,
                               std::string_view key) const {
    STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> date, OptionalDate(table, path, key));
    if (!date) return Missing(table, path, key, "a date (YYYY-MM-DD)");
    return *date;
  }
  // Strings of an array, with each element's node for errors.
  Result<std::vector<std::pair<std::string, const toml::node*>>> StringArray(
      const toml::table& table, std::string_view path, std::string_view key, bool required) const {
    std::vector<std::pair<std::string, const toml::node*>> out;
    const toml::node* node = table.get(key);
    if (!node) {
      if (required) return Missing(table, path, key, "an array of strings");
      return out;
    }
    const auto* array = node->as_array();
    if (!array) return WrongType(*node, path, key, "an array of strings");
    for (size_t idx = 0; idx < array->size(); ++idx) {
      const toml::node& element = *array->get(idx);
      const auto* value = element.as_string();
      if (!value) {
        return Error(element, Join(path, key) + "[" + std::to_string(idx) + "]",
                     "must be a string, found " + std::string(TypeName(element)));
      }
      out.emplace_back(value->get(), &element);
    }
    return out;
  }
  Result<std::vector<const toml::table*>> TableArray(const toml::table& table,
                                                     std::string_view path,
                                                     std::string_view key) const {
    std::vector<const toml::table*> out;
    const toml::node* node = table.get(key);
    if (!node) return out;
    const auto* array = node->as_array();
    if (!array)
      return WrongType(*node, path, key, "an array of tables ([[" + std::string(key) + "]])");
    for (size_t idx = 0; idx < array->size(); ++idx) {
      const toml::node& element = *array->get(idx);
      const auto* entry = element.as_table();
      if (!entry) {
        return Error(element, Join(path, key) + "[" + std::to_string(idx) + "]",
                     "must be a table, found " + std::string(TypeName(element)));
      }
      out.push_back(entry);
    }
    return out;
  }

  // FILE:LINE:COL of the character at `offset` inside the decoded value of the
  // string `node` (a condition or message), following the TOML quoting.
  std::string LocationInString(const toml::node& node, size_t offset) const {
    const toml::source_position& pos = node.source().begin;
    if (pos.line == 0) return Location(node);
    // Find the byte where the string starts.
    size_t index = 0;
    for (uint32_t line = 1; line < pos.line && index < text_.size(); ++index) {
      if (text_[index] == '\n') ++line;
    }
    for (uint32_t column = 1; column < pos.column && index < text_.size(); ++index) {
      // Columns count code points: skip UTF-8 continuation bytes.
      if ((static_cast<unsigned char>(text_[index]) & 0xC0) != 0x80) ++column;
      if (column == pos.column) {
        ++index;
        while (index < text_.size() && (static_cast<unsigned char>(text_[index]) & 0xC0) == 0x80) {
          ++index;
        }
        break;
      }
    }
    uint32_t line = pos.line;
    uint32_t column = pos.column;
    if (index >= text_.size()) return Location(node);
    char quote = text_[index];
    bool multiline =
        index + 2 < text_.size() && text_[index + 1] == quote && text_[index + 2] == quote;
    size_t skip = multiline ? 3 : 1;
    index += skip;
    column += static_cast<uint32_t>(skip);
    if (multiline && index < text_.size() && (text_[index] == '\n' || text_[index] == '\r')) {
      if (text_[index] == '\r') ++index;
      ++index;
      ++line;
      column = 1;
    }
    const bool literal = quote == '\'';
    size_t decoded = 0;
    while (index < text_.size() && decoded < offset) {
      char c = text_[index];
      size_t raw = 1;
      size_t produced = 1;
      if (!literal && c == '\\' && index + 1 < text_.size()) {
        char e = text_[index + 1];
        raw = e == 'u' ? 6 : e == 'U' ? 10 : 2;
        produced = 1;
      }
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        column += static_cast<uint32_t>(raw == 1 ? 1 : raw);
      }
      index += raw;
      decoded += produced;
    }
    return std::string(source_name_) + ":" + std::to_string(line) + ":" + std::to_string(column);
  }

  static std::string Join(std::string_view path, std::string_view key) {
    if (path.empty()) return std::string(key);
    return std::string(path) + "." + std::string(key);
  }
  static std::string_view TypeName(const toml::node& node) {
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
        return "a floating-point number";
      case toml::node_type::boolean:
        return "a boolean";
      case toml::node_type::date:
        return "a date";
      case toml::node_type::time:
        return "a time";
      case toml::node_type::date_time:
        return "a date-time";
      case toml::node_type::none:
        break;
    }
    return "nothing";
  }

 private:
  std::string LocationOfKey(const toml::key& key, const toml::node& value) const {
    const toml::source_position& pos = key.source().begin;
    if (pos.line != 0) {
      return std::string(source_name_) + ":" + std::to_string(pos.line) + ":" +
             std::to_string(pos.column);
    }
    return Location(value);
  }
  Status Missing(const toml::table& table, std::string_view path, std::string_view key,
                 std::string_view expected) const {
    return Error(table, Join(path, key),
                 "missing required key (expected " + std::string(expected) + ")");
  }
  Status WrongType(const toml::node& node, std::string_view path, std::string_view key,
                   std::string_view expected) const {
    return Error(node, Join(path, key),
                 "must be " + std::string(expected) + ", found " + std::string(TypeName(node)));
  }

  std::string_view text_;
  std::string_view source_name_;
};

Result<toml::table> ParseToml(std::string_view text, std::string_view source_name) {
  // toml++ reports syntax errors by exception; they stop here.
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("TOML syntax: " + std::string(e.description()),
                           std::string(source_name) + ":" + std::to_string(e.source().begin.line) +
                               ":" + std::to_string(e.source().begin.column));
  }
}

Result<CountryIndex> ReadCountry(const Reader& reader, const toml::node& node,
                                 std::string_view path, const std::string& code) {
  Result<Country> country = Country::Parse(code);
  if (!country.ok()) {
    return reader.Error(node, path,
                        "\"" + code + "\" is not an ISO 3166-1 alpha-2 country code (" +
                            country.status().message() + ")");
  }
  return IndexOf(*country);
}

Result<CountryGroup> ReadGroup(const Reader& reader, const toml::table& table,
                               std::string_view path) {
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys(table, path, {"id", "source", "members", "dated"}));
  STRAITS_ASSIGN_OR_RETURN(std::string id, reader.RequiredString(table, path, "id"));
  if (id.empty())
    return reader.Error(*table.get("id"), Reader::Join(path, "id"), "must not be empty");
  STRAITS_ASSIGN_OR_RETURN(std::string source, reader.RequiredString(table, path, "source"));
  if (source.empty()) {
    return reader.Error(*table.get("source"), Reader::Join(path, "source"),
                        "must cite where the membership comes from");
  }
  std::vector<GroupMembership> members;
  STRAITS_ASSIGN_OR_RETURN(auto plain, reader.StringArray(table, path, "members", false));
  for (size_t idx = 0; idx < plain.size(); ++idx) {
    std::string element_path = Reader::Join(path, "members") + "[" + std::to_string(idx) + "]";
    STRAITS_ASSIGN_OR_RETURN(CountryIndex country, ReadCountry(reader, *plain[idx].second,
                                                               element_path, plain[idx].first));
    for (const GroupMembership& other : members) {
      if (other.country == country) {
        return reader.Error(*plain[idx].second, element_path,
                            "\"" + plain[idx].first + "\" is listed twice");
      }
    }
    members.push_back(GroupMembership{country, std::nullopt, std::nullopt, source});
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> dated,
                           reader.TableArray(table, path, "dated"));
  for (size_t idx = 0; idx < dated.size(); ++idx) {
    std::string entry_path = Reader::Join(path, "dated") + "[" + std::to_string(idx) + "]";
    const toml::table& entry = *dated[idx];
    STRAITS_RETURN_IF_ERROR(
        reader.CheckKeys(entry, entry_path, {"country", "from", "until", "source"}));
    STRAITS_ASSIGN_OR_RETURN(std::string code, reader.RequiredString(entry, entry_path, "country"));
    STRAITS_ASSIGN_OR_RETURN(
        CountryIndex country,
        ReadCountry(reader, *entry.get("country"), Reader::Join(entry_path, "country"), code));
    GroupMembership membership;
    membership.country = country;
    STRAITS_ASSIGN_OR_RETURN(membership.from, reader.OptionalDate(entry, entry_path, "from"));
    STRAITS_ASSIGN_OR_RETURN(membership.until, reader.OptionalDate(entry, entry_path, "until"));
    if (!membership.from && !membership.until) {
      return reader.Error(entry, entry_path,
                          "a dated membership needs `from`, `until` or both (undated members "
                          "go in `members`)");
    }
    if (membership.from && membership.until && !(*membership.from < *membership.until)) {
      return reader.Error(*entry.get("until"), Reader::Join(entry_path, "until"),
                          "dates out of order: until (" + membership.until->DateString() +
                              ") must be after from (" + membership.from->DateString() + ")");
    }
    STRAITS_ASSIGN_OR_RETURN(membership.source, reader.RequiredString(entry, entry_path, "source"));
    if (membership.source.empty()) {
      return reader.Error(*entry.get("source"), Reader::Join(entry_path, "source"),
                          "must cite the change");
    }
    for (const GroupMembership& other : members) {
      if (other.country != country) continue;
      bool overlap = (!other.until || !membership.from || *membership.from < *other.until) &&
                     (!membership.until || !other.from || *other.from < *membership.until);
      if (overlap) {
        return reader.Error(entry, entry_path,
                            "\"" + code + "\" overlaps another membership of the same country");
      }
    }
    members.push_back(std::move(membership));
  }
  if (members.empty()) {
    return reader.Error(table, path, "a group needs `members` or `dated` entries");
  }
  return CountryGroup(std::move(id), std::move(source), std::move(members));
}

Result<Rule> ReadRule(const Reader& reader, const toml::table& table, std::string_view path,
                      const Pack& pack, bool has_eccn) {
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys(
      table, path, {"id", "citation", "kinds", "from", "until", "when", "verdict", "message"}));
  Rule rule;
  STRAITS_ASSIGN_OR_RETURN(rule.id, reader.RequiredString(table, path, "id"));
  Status id_ok = ValidateId(rule.id);
  if (!id_ok.ok()) return reader.Error(*table.get("id"), Reader::Join(path, "id"), id_ok.message());
  STRAITS_ASSIGN_OR_RETURN(rule.citation, reader.RequiredString(table, path, "citation"));
  if (rule.citation.empty()) {
    return reader.Error(*table.get("citation"), Reader::Join(path, "citation"),
                        "must cite the regulation or policy the rule comes from");
  }
  STRAITS_ASSIGN_OR_RETURN(auto kinds, reader.StringArray(table, path, "kinds", true));
  if (kinds.empty()) {
    return reader.Error(*table.get("kinds"), Reader::Join(path, "kinds"),
                        "must name at least one kind (\"export\", \"remote_access\")");
  }
  for (size_t idx = 0; idx < kinds.size(); ++idx) {
    std::optional<Kind> kind = ParseKind(kinds[idx].first);
    if (!kind) {
      return reader.Error(
          *kinds[idx].second, Reader::Join(path, "kinds") + "[" + std::to_string(idx) + "]",
          "must be \"export\" or \"remote_access\", found \"" + kinds[idx].first + "\"");
    }
    rule.kinds |= KindBit(*kind);
  }
  STRAITS_ASSIGN_OR_RETURN(rule.from, reader.OptionalDate(table, path, "from"));
  STRAITS_ASSIGN_OR_RETURN(rule.until, reader.OptionalDate(table, path, "until"));
  if (rule.from && rule.until && !(*rule.from < *rule.until)) {
    return reader.Error(*table.get("until"), Reader::Join(path, "until"),
                        "dates out of order: until (" + rule.until->DateString() +
                            ") must be after from (" + rule.from->DateString() + ")");
  }
  if (rule.until && *rule.until <= pack.effective) {
    return reader.Error(*table.get("until"), Reader::Join(path, "until"),
                        "dates out of order: until (" + rule.until->DateString() +
                            ") must be after the pack's effective date (" +
                            pack.effective.DateString() + ")");
  }
  STRAITS_ASSIGN_OR_RETURN(std::string verdict, reader.RequiredString(table, path, "verdict"));
  std::optional<Verdict> parsed_verdict = ParseVerdict(verdict);
  if (!parsed_verdict) {
    return reader.Error(*table.get("verdict"), Reader::Join(path, "verdict"),
                        "must be \"allowed\", \"conditions\", \"license_required\" or "
                        "\"prohibited\", found \"" +
                            verdict + "\"");
  }
  rule.verdict = *parsed_verdict;

  CompileEnv env;
  env.kinds = rule.kinds;
  env.groups = &pack.groups;
  env.has_eccn = has_eccn;
  STRAITS_ASSIGN_OR_RETURN(rule.when, reader.RequiredString(table, path, "when"));
  ExprError error;
  Result<Program> condition = Program::Compile(rule.when, env, &error);
  if (!condition.ok()) {
    return InvalidArgument(Reader::Join(path, "when") + ": " + error.message,
                           reader.LocationInString(*table.get("when"), error.offset));
  }
  rule.condition = std::move(condition).value();
  STRAITS_ASSIGN_OR_RETURN(std::string message, reader.RequiredString(table, path, "message"));
  Result<MessageTemplate> tmpl = MessageTemplate::Compile(message, env, &error);
  if (!tmpl.ok()) {
    return InvalidArgument(Reader::Join(path, "message") + ": " + error.message,
                           reader.LocationInString(*table.get("message"), error.offset));
  }
  rule.message = std::move(tmpl).value();
  return rule;
}

}  // namespace

Instant Pack::OperativeFrom() const {
  return compliance ? std::max(effective, *compliance) : effective;
}

bool Pack::InForceOn(Instant date) const {
  if (status == catalog::RegimeStatus::kProposed) return false;
  if (date < OperativeFrom()) return false;
  if (rescinded && !(date < *rescinded)) return false;
  if (suspended_from && *suspended_from <= date && (!suspended_until || date < *suspended_until)) {
    return false;
  }
  return true;
}

std::string Pack::StatusOn(Instant date) const {
  if (status == catalog::RegimeStatus::kProposed) return "proposed (applies only when named)";
  if (rescinded && !(date < *rescinded)) {
    return "rescinded on " + rescinded->DateString() + " (applies only when named)";
  }
  if (date < OperativeFrom()) {
    if (rescinded && !(OperativeFrom() < *rescinded)) {
      return "never operative: rescinded on " + rescinded->DateString() +
             " before compliance was required (applies only when named)";
    }
    return "not yet in force (from " + OperativeFrom().DateString() + ")";
  }
  if (suspended_from && *suspended_from <= date && (!suspended_until || date < *suspended_until)) {
    return "suspended from " + suspended_from->DateString() +
           (suspended_until ? " until " + suspended_until->DateString() : std::string()) +
           " (applies only when named)";
  }
  return "in force";
}

const CountryGroup* Pack::FindGroup(std::string_view group_id) const {
  for (const CountryGroup& group : groups) {
    if (group.id() == group_id) return &group;
  }
  return nullptr;
}

std::string ContentHash(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int idx = 0; idx < length; ++idx) {
    out += kHex[digest[idx] >> 4];
    out += kHex[digest[idx] & 15];
  }
  return out;
}

Result<Pack> ParsePack(std::string_view text, std::string_view source_name,
                       const ThresholdsLookup& thresholds) {
  STRAITS_ASSIGN_OR_RETURN(toml::table root, ParseToml(text, source_name));
  Reader reader(text, source_name);
  STRAITS_RETURN_IF_ERROR(
      reader.CheckKeys(root, "",
                       {"id", "jurisdiction", "title", "status", "published", "effective",
                        "compliance", "rescinded", "suspended_from", "suspended_until", "sources",
                        "thresholds", "classification", "group", "rule"}));
  Pack pack;
  pack.source_name = std::string(source_name);
  pack.hash = ContentHash(text);
  STRAITS_ASSIGN_OR_RETURN(pack.id, reader.RequiredString(root, "", "id"));
  Status id_ok = ValidateId(pack.id);
  if (!id_ok.ok()) return reader.Error(*root.get("id"), "id", id_ok.message());
  STRAITS_ASSIGN_OR_RETURN(pack.jurisdiction, reader.RequiredString(root, "", "jurisdiction"));
  STRAITS_ASSIGN_OR_RETURN(pack.title, reader.RequiredString(root, "", "title"));
  STRAITS_ASSIGN_OR_RETURN(std::string status, reader.RequiredString(root, "", "status"));
  if (status == "final") {
    pack.status = catalog::RegimeStatus::kFinal;
  } else if (status == "proposed") {
    pack.status = catalog::RegimeStatus::kProposed;
  } else if (status == "operator_policy") {
    pack.status = catalog::RegimeStatus::kOperatorPolicy;
  } else {
    return reader.Error(
        *root.get("status"), "status",
        "must be \"final\", \"proposed\" or \"operator_policy\", found \"" + status + "\"");
  }
  STRAITS_ASSIGN_OR_RETURN(pack.published, reader.RequiredDate(root, "", "published"));
  STRAITS_ASSIGN_OR_RETURN(pack.effective, reader.RequiredDate(root, "", "effective"));
  STRAITS_ASSIGN_OR_RETURN(pack.compliance, reader.OptionalDate(root, "", "compliance"));
  STRAITS_ASSIGN_OR_RETURN(pack.rescinded, reader.OptionalDate(root, "", "rescinded"));
  STRAITS_ASSIGN_OR_RETURN(pack.suspended_from, reader.OptionalDate(root, "", "suspended_from"));
  STRAITS_ASSIGN_OR_RETURN(pack.suspended_until, reader.OptionalDate(root, "", "suspended_until"));
  auto out_of_order = [&](std::string_view key, std::string_view what) {
    return reader.Error(*root.get(key), key, "dates out of order: " + std::string(what));
  };
  if (pack.compliance && *pack.compliance < pack.effective) {
    return out_of_order("compliance", "compliance (" + pack.compliance->DateString() +
                                          ") is before effective (" + pack.effective.DateString() +
                                          ")");
  }
  if (pack.rescinded && *pack.rescinded < pack.effective) {
    return out_of_order("rescinded", "rescinded (" + pack.rescinded->DateString() +
                                         ") is before effective (" + pack.effective.DateString() +
                                         ")");
  }
  if (pack.suspended_until && !pack.suspended_from) {
    return reader.Error(*root.get("suspended_until"), "suspended_until",
                        "needs suspended_from (the day the suspension began)");
  }
  if (pack.suspended_from) {
    if (*pack.suspended_from < pack.effective) {
      return out_of_order("suspended_from", "suspended_from (" + pack.suspended_from->DateString() +
                                                ") is before effective (" +
                                                pack.effective.DateString() + ")");
    }
    if (pack.suspended_until && !(*pack.suspended_from < *pack.suspended_until)) {
      return out_of_order("suspended_until", "suspended_until (" +
                                                 pack.suspended_until->DateString() +
                                                 ") must be after suspended_from (" +
                                                 pack.suspended_from->DateString() + ")");
    }
  }
  STRAITS_ASSIGN_OR_RETURN(auto sources, reader.StringArray(root, "", "sources", true));
  if (sources.empty()) {
    return reader.Error(*root.get("sources"), "sources", "must name at least one source");
  }
  for (auto& [source, node] : sources) pack.sources.push_back(std::move(source));

  // Thresholds for eccn(): the pack's own table (read by the catalog's parser,
  // so both modules agree on it), or another pack's.
  if (const toml::node* node = root.get("classification")) {
    Result<catalog::ClassificationRegime> regime = catalog::ParseRegimeToml(text, source_name);
    if (!regime.ok()) return regime.status();
    pack.classification = std::move(regime).value();
    if (root.get("thresholds")) {
      return reader.Error(*root.get("thresholds"), "thresholds",
                          "a pack with its own [classification] table cannot also name "
                          "another pack's thresholds");
    }
    (void)node;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> thresholds_id,
                           reader.OptionalString(root, "", "thresholds"));
  if (thresholds_id) {
    const catalog::ClassificationRegime* regime = thresholds ? thresholds(*thresholds_id) : nullptr;
    if (!regime) {
      return reader.Error(*root.get("thresholds"), "thresholds",
                          "no loaded pack \"" + *thresholds_id +
                              "\" with a [classification] table (name a pack that has one)");
    }
    pack.thresholds = *thresholds_id;
    pack.classification = *regime;
  }

  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> groups,
                           reader.TableArray(root, "", "group"));
  for (size_t idx = 0; idx < groups.size(); ++idx) {
    std::string path = "group[" + std::to_string(idx) + "]";
    STRAITS_ASSIGN_OR_RETURN(CountryGroup group, ReadGroup(reader, *groups[idx], path));
    if (pack.FindGroup(group.id())) {
      return reader.Error(*groups[idx]->get("id"), path + ".id",
                          "duplicate group id \"" + group.id() + "\"");
    }
    pack.groups.push_back(std::move(group));
  }
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> rules,
                           reader.TableArray(root, "", "rule"));
  for (size_t idx = 0; idx < rules.size(); ++idx) {
    std::string path = "rule[" + std::to_string(idx) + "]";
    STRAITS_ASSIGN_OR_RETURN(
        Rule rule, ReadRule(reader, *rules[idx], path, pack, pack.classification.has_value()));
    for (const Rule& other : pack.rules) {
      if (other.id == rule.id) {
        return reader.Error(*rules[idx]->get("id"), path + ".id",
                            "duplicate rule id \"" + rule.id + "\"");
      }
    }
    pack.rules.push_back(std::move(rule));
  }
  return pack;
}

}  // namespace straits::policy

namespace straits::policy {

Result<std::vector<Pack>> LoadPacks(std::span<const PackSource> sources,
                                    std::span<const Pack> known) {
  // First the thresholds tables, so that any pack may name any other's.
  std::vector<std::pair<std::string, catalog::ClassificationRegime>> regimes;
  for (const PackSource& source : sources) {
    Result<catalog::ClassificationRegime> regime =
        catalog::ParseRegimeToml(source.text, source.path);
    if (regime.ok()) {
      regimes.emplace_back(regime->id, std::move(regime).value());
    } else if (regime.status().code() != StatusCode::kFailedPrecondition) {
      return regime.status();
    }
  }
  ThresholdsLookup lookup = [&](std::string_view id) -> const catalog::ClassificationRegime* {
    for (const auto& [regime_id, regime] : regimes) {
      if (regime_id == id) return &regime;
    }
    for (const Pack& pack : known) {
      if (pack.id == id && pack.classification && pack.thresholds.empty()) {
        return &*pack.classification;
      }
    }
    return nullptr;
  };
  std::vector<Pack> packs;
  for (const PackSource& source : sources) {
    STRAITS_ASSIGN_OR_RETURN(Pack pack, ParsePack(source.text, source.path, lookup));
    for (const Pack& other : packs) {
      if (other.id == pack.id) {
        return InvalidArgument(
            "duplicate rule pack id \"" + pack.id + "\" (also in " + other.source_name + ")",
            std::string(source.path));
      }
    }
    packs.push_back(std::move(pack));
  }
  return packs;
}

}  // namespace straits::policy

#include "catalog/toml_reader.h"

#include <cmath>

namespace straits::catalog::internal {

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string IndexPath(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string_view TypeName(const toml::node& node) {
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

Result<toml::table> ParseTomlText(std::string_view text, std::string_view source_name) {
  // toml++ reports syntax errors by exception; they stop here.
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument("TOML syntax: " + std::string(e.description()),
                           std::string(source_name) + ":" + std::to_string(e.source().begin.line) +
                               ":" + std::to_string(e.source().begin.column));
  }
}

std::string TomlReader::Location(const toml::node& node) const {
  const toml::source_position& pos = node.source().begin;
  // The root table has no position of its own; point at the file's start.
  if (pos.line == 0) return source_name_ + ":1:1";
  return source_name_ + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

Status TomlReader::Error(const toml::node& at, std::string_view path,
                         std::string_view message) const {
  std::string text(path);
  if (!text.empty()) text += ": ";
  text += message;
  return InvalidArgument(std::move(text), Location(at));
}

Status TomlReader::Missing(const toml::table& table, std::string_view path,
                           std::string_view key) const {
  std::string where = path.empty() ? "at the top level" : "in " + std::string(path);
  return Error(table, JoinPath(path, key),
               "missing required key \"" + std::string(key) + "\" " + where);
}

Status TomlReader::WrongType(const toml::node& node, std::string_view path, std::string_view key,
                             std::string_view expected) const {
  return Error(node, JoinPath(path, key),
               "must be " + std::string(expected) + ", found " + std::string(TypeName(node)));
}

Status TomlReader::CheckKeys(const toml::table& table, std::string_view path,
                             std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : table) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key.str() == name;
    if (known) continue;
    std::string list;
    for (std::string_view name : allowed) {
      if (!list.empty()) list += ", ";
      list += name;
    }
    return Error(value, JoinPath(path, key.str()),
                 "unknown key \"" + std::string(key.str()) + "\" (accepted: " + list + ")");
  }
  return Status::Ok();
}

Result<std::string> TomlReader::RequiredString(const toml::table& table, std::string_view path,
                                               std::string_view key) const {
  const toml::node* node = table.get(key);
  if (!node) return Missing(table, path, key);
  if (!node->is_string()) return WrongType(*node, path, key, "a string");
  return std::string(*node->value<std::string_view>());
}

Result<std::optional<std::string>> TomlReader::String(const toml::table& table,
                                                      std::string_view path, std::string_view key,
                                                      bool required) const {
  if (!table.get(key) && !required) return std::optional<std::string>();
  STRAITS_ASSIGN_OR_RETURN(std::string value, RequiredString(table, path, key));
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<bool>> TomlReader::Bool(const toml::table& table, std::string_view path,
                                             std::string_view key, bool required) const {
  const toml::node* node = table.get(key);
  if (!node) {
    if (required) return Missing(table, path, key);
    return std::optional<bool>();
  }
  if (!node->is_boolean()) return WrongType(*node, path, key, "true or false");
  return std::optional<bool>(*node->value<bool>());
}

Result<std::optional<int64_t>> TomlReader::Integer(const toml::table& table, std::string_view path,
                                                   std::string_view key, bool required) const {
  const toml::node* node = table.get(key);
  if (!node) {
    if (required) return Missing(table, path, key);
    return std::optional<int64_t>();
  }
  if (!node->is_integer()) return WrongType(*node, path, key, "an integer");
  return std::optional<int64_t>(*node->value<int64_t>());
}

Result<double> TomlReader::RequiredNumber(const toml::table& table, std::string_view path,
                                          std::string_view key) const {
  const toml::node* node = table.get(key);
  if (!node) return Missing(table, path, key);
  if (node->is_integer()) return static_cast<double>(*node->value<int64_t>());
  if (!node->is_floating_point()) return WrongType(*node, path, key, "a number");
  double value = *node->value<double>();
  if (!std::isfinite(value)) {
    return Error(*node, JoinPath(path, key), "must be a finite number, found nan or inf");
  }
  return value;
}

Result<std::optional<double>> TomlReader::Number(const toml::table& table, std::string_view path,
                                                 std::string_view key, bool required) const {
  if (!table.get(key) && !required) return std::optional<double>();
  STRAITS_ASSIGN_OR_RETURN(double value, RequiredNumber(table, path, key));
  return std::optional<double>(value);
}

Result<std::optional<SourcedValue>> TomlReader::Sourced(const toml::table& table,
                                                        std::string_view path, std::string_view key,
                                                        bool require_source) const {
  const toml::node* node = table.get(key);
  if (!node) return std::optional<SourcedValue>();
  const std::string field_path = JoinPath(path, key);
  if (const toml::table* inner = node->as_table()) {
    STRAITS_RETURN_IF_ERROR(CheckKeys(*inner, field_path, {"value", "source"}));
    STRAITS_ASSIGN_OR_RETURN(double value, RequiredNumber(*inner, field_path, "value"));
    std::string source;
    if (require_source || inner->get("source")) {
      STRAITS_ASSIGN_OR_RETURN(source, RequiredString(*inner, field_path, "source"));
    }
    if (require_source && source.empty()) {
      return Error(*inner->get("source"), JoinPath(field_path, "source"), "must not be empty");
    }
    return std::optional<SourcedValue>(SourcedValue{value, std::move(source)});
  }
  if (require_source) {
    return Error(*node, field_path,
                 "must be { value = <number>, source = \"...\" }: every catalog number names "
                 "its source");
  }
  STRAITS_ASSIGN_OR_RETURN(double value, RequiredNumber(table, path, key));
  return std::optional<SourcedValue>(SourcedValue{value, ""});
}

Result<Instant> TomlReader::RequiredDate(const toml::table& table, std::string_view path,
                                         std::string_view key) const {
  const toml::node* node = table.get(key);
  if (!node) return Missing(table, path, key);
  Result<Instant> parsed = InvalidArgument("unset");
  if (const auto* date = node->as_date()) {
    const toml::date& d = date->get();
    parsed = Instant::FromCivil(d.year, d.month, d.day);
  } else if (node->is_string()) {
    std::string_view text = *node->value<std::string_view>();
    if (text.size() != 10) {
      return Error(*node, JoinPath(path, key),
                   "must be a date YYYY-MM-DD, found \"" + std::string(text) + "\"");
    }
    parsed = Instant::Parse(text);
  } else {
    return WrongType(*node, path, key, "a date (YYYY-MM-DD)");
  }
  if (!parsed.ok()) return Error(*node, JoinPath(path, key), parsed.status().message());
  return parsed;
}

Result<std::optional<Instant>> TomlReader::Date(const toml::table& table, std::string_view path,
                                                std::string_view key, bool required) const {
  if (!table.get(key) && !required) return std::optional<Instant>();
  STRAITS_ASSIGN_OR_RETURN(Instant value, RequiredDate(table, path, key));
  return std::optional<Instant>(value);
}

Result<std::vector<std::string>> TomlReader::StringArray(const toml::table& table,
                                                         std::string_view path,
                                                         std::string_view key,
                                                         bool required) const {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (!node) {
    if (required) return Missing(table, path, key);
    return out;
  }
  const toml::array* array = node->as_array();
  if (!array) return WrongType(*node, path, key, "an array of strings");
  for (size_t idx = 0; idx < array->size(); ++idx) {
    const toml::node& element = *array->get(idx);
    if (!element.is_string()) {
      return Error(element, IndexPath(JoinPath(path, key), idx),
                   "must be a string, found " + std::string(TypeName(element)));
    }
    out.emplace_back(*element.value<std::string_view>());
  }
  return out;
}

Result<std::vector<const toml::table*>> TomlReader::TableArray(const toml::table& table,
                                                               std::string_view path,
                                                               std::string_view key) const {
  std::vector<const toml::table*> out;
  const toml::node* node = table.get(key);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array) return WrongType(*node, path, key, "an array of tables");
  for (size_t idx = 0; idx < array->size(); ++idx) {
    const toml::node& element = *array->get(idx);
    const toml::table* entry = element.as_table();
    if (!entry) {
      return Error(element, IndexPath(JoinPath(path, key), idx),
                   "must be a table, found " + std::string(TypeName(element)));
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace straits::catalog::internal

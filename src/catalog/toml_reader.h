// Internal to catalog/: typed reads from toml++ tables with errors that name
// the key path and SOURCE:LINE:COL. Not part of the module's public interface
// (it exposes toml++ types); include only from catalog .cc files.
//
// Every error is invalid_argument with field "SOURCE:LINE:COL" and a message
// "PATH: what was wrong (what is accepted)".
//
// Thread-safety: a TomlReader only reads; the tables must outlive it.
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace straits::catalog::internal {

// Parses `text`, mapping toml++ syntax errors to invalid_argument at their position.
Result<toml::table> ParseTomlText(std::string_view text, std::string_view source_name);

// A number with the source it came from (empty if given as a plain number).
struct SourcedValue {
  double value = 0;
  std::string source;
};

class TomlReader {
 public:
  explicit TomlReader(std::string_view source_name) : source_name_(source_name) {}

  // "SOURCE:LINE:COL" of `node`.
  std::string Location(const toml::node& node) const;
  Status Error(const toml::node& at, std::string_view path, std::string_view message) const;

  // Every key of `table` must be in `allowed`; path prefixes the error.
  Status CheckKeys(const toml::table& table, std::string_view path,
                   std::initializer_list<std::string_view> allowed) const;

  // Required values: missing_key errors when absent.
  Result<std::string> RequiredString(const toml::table& table, std::string_view path,
                                     std::string_view key) const;
  Result<double> RequiredNumber(const toml::table& table, std::string_view path,
                                std::string_view key) const;
  Result<Instant> RequiredDate(const toml::table& table, std::string_view path,
                               std::string_view key) const;

  // Each getter reads `key` of `table`; `path` is the table's path ("" at the
  // root) for messages. nullopt when absent and not required.
  Result<std::optional<std::string>> String(const toml::table& table, std::string_view path,
                                            std::string_view key, bool required) const;
  Result<std::optional<bool>> Bool(const toml::table& table, std::string_view path,
                                   std::string_view key, bool required) const;
  Result<std::optional<int64_t>> Integer(const toml::table& table, std::string_view path,
                                         std::string_view key, bool required) const;
  // An integer or a float; rejects strings ("12") and other types.
  Result<std::optional<double>> Number(const toml::table& table, std::string_view path,
                                       std::string_view key, bool required) const;
  // A number, or { value = <number>, source = "..." }. With `require_source`,
  // only the table form with a non-empty source is accepted.
  Result<std::optional<SourcedValue>> Sourced(const toml::table& table, std::string_view path,
                                              std::string_view key, bool require_source) const;
  // A TOML local date (2023-11-17) or a "YYYY-MM-DD" string.
  Result<std::optional<Instant>> Date(const toml::table& table, std::string_view path,
                                      std::string_view key, bool required) const;
  Result<std::vector<std::string>> StringArray(const toml::table& table, std::string_view path,
                                               std::string_view key, bool required) const;
  // An array of tables (`[[key]]` or `key = [{...}]`); empty when absent.
  Result<std::vector<const toml::table*>> TableArray(const toml::table& table,
                                                     std::string_view path,
                                                     std::string_view key) const;

  std::string_view source_name() const { return source_name_; }

 private:
  Status Missing(const toml::table& table, std::string_view path, std::string_view key) const;
  Status WrongType(const toml::node& node, std::string_view path, std::string_view key,
                   std::string_view expected) const;

  std::string source_name_;
};

// "a.b" / "b" when `path` is empty.
std::string JoinPath(std::string_view path, std::string_view key);
// "key[3]".
std::string IndexPath(std::string_view path, size_t index);
// "a table", "a string", ... for messages.
std::string_view TypeName(const toml::node& node);

}  // namespace straits::catalog::internal

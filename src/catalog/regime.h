// Classification regimes: the 3A090 thresholds of one rule pack, as data.
//
// A rule pack (data/policy/<id>.toml) starts with a header and may hold, beside
// other tables owned by the compliance engine, one [classification] table:
//
//   id = "us-ear-2023-10"            jurisdiction = "US"
//   title = "..."                    status = "final"   # final|proposed|operator_policy
//   published = 2023-10-25           effective = 2023-11-17
//   compliance = 2025-05-15          # optional: compliance required from
//   rescinded = 2025-05-13           # optional
//   sources = ["88 FR 73458 ..."]
//
//   [classification]
//   sources = ["..."]
//   [[classification.criterion]]
//   paragraph = "3A090.a.2"          eccn = "3A090.a"    computer_eccn = "4A090.a"
//   scope = "datacenter"             # "all" or "datacenter"
//   tpp_at_least = 1600.0            pd_at_least = 5.92
//   source = "88 FR 73458, 3A090.a.2 ..."
//
// A criterion holds when every bound holds (`*_at_least` is >=, `*_below` is
// <) and its scope admits the IC. Bound keys: tpp_at_least, tpp_below,
// pd_at_least, pd_below, io_bidir_gbps_at_least, io_bidir_gbps_below. See
// docs/classification.md.
//
// A regime is operative from max(effective, compliance) until `rescinded`
// (exclusive); proposed packs never are. Among the operative regimes, the one
// that became operative last is in force: it supersedes the earlier ones.
//
// Thread-safety: immutable values after parsing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace straits::catalog {

// The outcomes of a classification, strictest first within each family.
enum class Eccn : uint8_t {
  kNot3A090,
  k3A090a,
  k3A090b,
  k4A090a,
  k4A090b,
  kUndetermined,  // a number the decision needs is missing
};

// "3A090.a", "3A090.b", "4A090.a", "4A090.b", "not_3A090", "undetermined".
std::string_view EccnName(Eccn eccn);
// Parses the five ECCN names (not "undetermined").
std::optional<Eccn> ParseEccn(std::string_view text);
// Strictness: .a > .b > not controlled. Undetermined ranks 0.
int EccnRank(Eccn eccn);

enum class Quantity : uint8_t { kTpp, kPerformanceDensity, kIoBidirGbps };
// "TPP", "PD", "I/O".
std::string_view QuantityLabel(Quantity quantity);
// "tpp", "performance_density", "io_bidir_gbps".
std::string_view QuantityKey(Quantity quantity);

enum class Relation : uint8_t { kAtLeast, kBelow };
// ">=" / "<".
std::string_view RelationSymbol(Relation relation);

struct Bound {
  Quantity quantity = Quantity::kTpp;
  Relation relation = Relation::kAtLeast;
  double threshold = 0;
};

enum class Scope : uint8_t { kAll, kDatacenter };

struct Criterion {
  static constexpr size_t kMaxBounds = 6;

  std::string paragraph;  // "3A090.a.2"
  Eccn eccn = Eccn::k3A090a;
  Eccn computer_eccn = Eccn::k4A090a;
  Scope scope = Scope::kAll;
  // Fixed storage keeps the hot path on one cache line per criterion.
  std::array<Bound, kMaxBounds> bounds{};
  uint8_t bound_count = 0;
  std::string source;

  std::span<const Bound> Bounds() const { return {bounds.data(), bound_count}; }
};

enum class RegimeStatus : uint8_t { kFinal, kProposed, kOperatorPolicy };
// "final", "proposed", "operator_policy".
std::string_view RegimeStatusName(RegimeStatus status);

struct ClassificationRegime {
  std::string id;
  std::string jurisdiction;
  std::string title;
  RegimeStatus status = RegimeStatus::kFinal;
  Instant published;
  Instant effective;
  std::optional<Instant> compliance;
  std::optional<Instant> rescinded;
  std::vector<std::string> sources;                 // of the pack
  std::vector<std::string> classification_sources;  // of the [classification] table
  // Strictest ECCN first (stable within an ECCN), as Classify evaluates them.
  std::vector<Criterion> criteria;

  // max(effective, compliance).
  Instant OperativeFrom() const;
  // Operative on `date` (see the file comment).
  bool OperativeOn(Instant date) const;
};

// Parses a rule pack's header and [classification] table. Other top-level
// keys and tables (country groups, rules) belong to the compliance engine and
// are ignored here; unknown keys inside [classification] and its criteria are
// errors. Returns
// invalid_argument with field "SOURCE:LINE:COL" and a message naming the key
// and what is accepted; failed_precondition (field SOURCE) when the pack has no
// [classification] table.
Result<ClassificationRegime> ParseRegimeToml(std::string_view text, std::string_view source_name);

// The regime in force on `date`, or nullptr if none is operative.
const ClassificationRegime* RegimeInForce(std::span<const ClassificationRegime> regimes,
                                          Instant date);

// The regime named `id`, or nullptr.
const ClassificationRegime* FindRegime(std::span<const ClassificationRegime> regimes,
                                       std::string_view id);

}  // namespace straits::catalog

// Rule packs: versioned, dated sets of rules with citations, loaded from TOML.
//
// A pack (data/policy/<id>.toml) has a header shared with the classification
// loader (catalog/regime.h) and the compliance engine's own tables:
//
//   id = "us-ear-2023-10"               jurisdiction = "US"
//   title = "..."                       status = "final"  # | proposed | operator_policy
//   published = 2023-10-25              effective = 2023-11-17
//   compliance = 2025-05-15             # optional: compliance required from
//   rescinded = 2025-05-13              # optional
//   suspended_from = 2025-11-10         # optional, with suspended_until
//   suspended_until = 2026-11-10
//   sources = ["88 FR 73458 ..."]
//   thresholds = "us-ear-2024-12"       # optional: whose [classification] eccn() uses
//   [classification] ...                # optional: this pack's own thresholds
//
//   [[group]]                           # country groups, with dated changes
//   id = "D:5"
//   source = "15 CFR 740 Supp. No. 1 ..."
//   members = ["AF", "BY", "CN", ...]
//   dated = [{ country = "NI", from = 2024-03-15, source = "89 FR 18780 ..." }]
//
//   [[rule]]
//   id = "headquartered-in"
//   citation = "88 FR 73458; 15 CFR 742.6(a)(6)(iii)(A) ..."
//   kinds = ["export"]                  # export | remote_access
//   from = 2024-04-04                   # optional window inside the pack's life
//   until = 2026-11-10                  # optional, exclusive
//   when = 'eccn() == "3A090.a" && consignee.parent_hq in group("D:5")'
//   verdict = "license_required"        # allowed | conditions | license_required | prohibited
//   message = "{item.model} ({eccn()}) to a consignee whose ultimate parent is in
//   {consignee.parent_hq}"
//
// Everything is checked when the pack loads: TOML syntax, unknown keys,
// missing keys, types, dates out of order (rescinded before effective, a
// suspension or window that ends before it starts), duplicate ids, unknown
// country codes, and every condition and message template is parsed and
// type-checked against the attributes of the rule's kinds. Errors are
// invalid_argument with field "FILE:LINE:COL" pointing at the offending key or
// at the exact character inside a condition, and a message naming what was
// expected.
//
// Thread-safety: a Pack is immutable after loading.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/regime.h"
#include "core/status.h"
#include "core/time.h"
#include "policy/expr.h"
#include "policy/groups.h"
#include "policy/types.h"

namespace straits::policy {

struct Rule {
  std::string id;
  std::string citation;
  uint8_t kinds = 0;  // KindBit per kind
  std::optional<Instant> from;
  std::optional<Instant> until;
  Verdict verdict = Verdict::kAllowed;
  std::string when;  // the condition's source text
  Program condition;
  MessageTemplate message;

  bool AppliesTo(Kind kind) const { return (kinds & KindBit(kind)) != 0; }
  bool ActiveOn(Instant date) const {
    return (!from || *from <= date) && (!until || date < *until);
  }
};

struct Pack {
  std::string id;
  std::string jurisdiction;
  std::string title;
  catalog::RegimeStatus status = catalog::RegimeStatus::kFinal;
  Instant published;
  Instant effective;
  std::optional<Instant> compliance;
  std::optional<Instant> rescinded;
  std::optional<Instant> suspended_from;
  std::optional<Instant> suspended_until;
  std::vector<std::string> sources;
  std::string source_name;  // file it was loaded from
  std::string hash;         // "sha256:<hex>" of the file's bytes
  // Imported into the database by an operator (pack_store.h), not shipped.
  bool imported = false;

  // eccn() thresholds: the pack's own [classification] table, or the pack
  // named by `thresholds`; neither when no rule uses eccn().
  std::optional<catalog::ClassificationRegime> classification;
  std::string thresholds;  // id named by `thresholds`, empty if none

  std::vector<CountryGroup> groups;
  std::vector<Rule> rules;

  // max(effective, compliance).
  Instant OperativeFrom() const;
  // In force on `date` when chosen by date: not proposed, operative (see
  // OperativeFrom) and not rescinded, and outside the suspension window.
  bool InForceOn(Instant date) const;
  // Why it is or is not in force on `date`: "in force", "suspended from
  // 2025-11-10 until 2026-11-10", "rescinded on 2025-05-13", "proposed", ...
  std::string StatusOn(Instant date) const;
  const CountryGroup* FindGroup(std::string_view group_id) const;
};

// Resolves `thresholds = "<pack id>"`: the classification regime of that pack,
// or nullptr when there is none.
using ThresholdsLookup =
    std::function<const catalog::ClassificationRegime*(std::string_view pack_id)>;

// Parses, checks and compiles one pack. `source_name` names the file in
// errors. `thresholds` resolves a `thresholds` key (nullptr: none is known,
// so the key is an error).
Result<Pack> ParsePack(std::string_view text, std::string_view source_name,
                       const ThresholdsLookup& thresholds);

// "sha256:" + hex SHA-256 of `bytes`.
std::string ContentHash(std::string_view bytes);

}  // namespace straits::policy

namespace straits::policy {

// One pack file's name and bytes.
struct PackSource {
  std::string_view path;  // "data/policy/us-ear-2023-10.toml"
  std::string_view text;
};

// Parses every source. `thresholds = "<id>"` may name any source with a
// [classification] table, or a pack of `known` (packs already loaded, e.g. the
// shipped ones when validating a user's file). Errors as ParsePack; also
// invalid_argument for two sources with one id.
Result<std::vector<Pack>> LoadPacks(std::span<const PackSource> sources,
                                    std::span<const Pack> known = {});

}  // namespace straits::policy

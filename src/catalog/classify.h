// Export classification of an accelerator under one or more regimes.
//
// Under a regime, each criterion (a 3A090 paragraph such as "3A090.a.2") holds
// when its scope admits the IC and every bound holds. The ECCN is that of the
// strictest criterion that holds (.a before .b), or not_3A090 when none does.
// A computer (ItemKind::kComputer) takes the matching 4A090 paragraph. Values
// within one part in 10^9 of a threshold count as equal to it, so that binary
// rounding of decimal inputs never moves a number off a threshold it meets.
//
// Missing numbers are never guessed. Evaluation is three-valued: a bound on a
// missing number is unknown, and when an unknown criterion could change the
// outcome the ECCN is `undetermined`, with the possible outcomes and the
// missing fields named ("die_area_mm2 missing: 3A090.a.2 holds if PD >= 5.92,
// i.e. die area <= 345.9 mm2").
//
//   STRAITS_ASSIGN_OR_RETURN(ClassificationReport report,
//                            ClassifyAll(spec, regimes, *Instant::Parse("2024-01-01")));
//   report.eccn;                  // under the regime in force on that date
//   report.by_regime[1].reason;   // "3A090.a.1: TPP 2368 < 4800; ..."
//
// Cost: DecideEccn allocates nothing and is the path for bulk decisions
// (placement filters); Classify and ClassifyAll also build the reason text.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/regime.h"
#include "catalog/spec.h"
#include "catalog/tpp.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::catalog {

enum class Truth : uint8_t { kFalse, kTrue, kUnknown };
// "false", "true", "unknown".
std::string_view TruthName(Truth truth);

// The allocation-free outcome: the ECCN and, as a bit set indexed by Eccn
// (1 << static_cast<int>(eccn)), every outcome still possible. Exactly one bit
// is set when the ECCN is decided.
struct EccnVerdict {
  Eccn eccn = Eccn::kNot3A090;
  uint8_t possible = 0;
};

EccnVerdict DecideEccn(const ChipFigures& figures, const ClassificationRegime& regime);

// One bound of one criterion, evaluated.
struct InequalityResult {
  Quantity quantity = Quantity::kTpp;
  Relation relation = Relation::kAtLeast;
  double threshold = 0;
  std::optional<double> value;  // nullopt when the number is missing
  Truth holds = Truth::kUnknown;
};

// One criterion (3A090 paragraph), evaluated.
struct CriterionResult {
  std::string paragraph;
  Eccn eccn = Eccn::k3A090a;  // 4A090 for a computer
  Scope scope = Scope::kAll;
  Truth in_scope = Truth::kTrue;  // false: a datacenter-only criterion, non-datacenter IC
  Truth holds = Truth::kUnknown;
  // One per bound of the criterion, in pack order (fixed storage: no allocation).
  std::array<InequalityResult, Criterion::kMaxBounds> inequalities{};
  uint8_t inequality_count = 0;
  // The criterion's citation. Points into the regime: valid while it lives
  // (shipped regimes are loaded once and kept).
  std::string_view source;

  std::span<const InequalityResult> Inequalities() const {
    return {inequalities.data(), inequality_count};
  }
};

struct Classification {
  std::string regime_id;
  bool in_force = false;  // set by ClassifyAll; Classify leaves it false
  Eccn eccn = Eccn::kNot3A090;
  std::vector<Eccn> possible_eccns;  // strictest first; one element when decided
  // Fields whose absence left the outcome open: "throughput", "die_area_mm2",
  // "interconnect_bidir_gbps", "datacenter". Empty when decided.
  std::vector<std::string> missing;
  // The inequalities that decided it, with the numbers, e.g.
  // "3A090.a.1: TPP 2368 < 4800; 3A090.a.2: PD 2.91 < 5.92; ...".
  std::string reason;
  std::vector<CriterionResult> criteria;  // every criterion, strictest first
};

Classification Classify(const AcceleratorSpec& spec, const ClassificationRegime& regime);
Classification Classify(const ChipFigures& figures, const ClassificationRegime& regime);

// The classification of one model on one date, shaped like the JSON that the
// CLI and API print: {"model", "tpp", "performance_density", "by_regime": [...]}.
struct ClassificationReport {
  std::string model;  // AcceleratorSpec::DisplayId()
  std::string vendor;
  std::string name;
  std::optional<double> tpp;
  std::optional<double> performance_density;
  Instant date;
  std::string regime_in_force;  // empty when no regime is in force on `date`
  Eccn eccn = Eccn::kNot3A090;  // under regime_in_force; not_3A090 when none
  std::string reason;           // why, naming the regime or the absence of one
  // One element per regime (only those named, when ids were given), sorted by
  // effective date.
  std::vector<Classification> by_regime;
};

// Classifies `spec` under `regimes` (every regime, or those named in
// `regime_ids`) and states which is in force on `date`. The top-level ECCN
// always follows the regime in force among all `regimes`; before the first
// regime it is not_3A090 with that reason. Returns not_found (field "regime")
// naming the known ids when an id in `regime_ids` is unknown.
Result<ClassificationReport> ClassifyAll(const AcceleratorSpec& spec,
                                         std::span<const ClassificationRegime> regimes,
                                         Instant date,
                                         std::span<const std::string> regime_ids = {});

}  // namespace straits::catalog

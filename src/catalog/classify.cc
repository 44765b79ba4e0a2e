#include "catalog/classify.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace straits::catalog {
namespace {

const std::optional<double>& Figure(const ChipFigures& figures, Quantity quantity) {
  switch (quantity) {
    case Quantity::kTpp:
      return figures.tpp;
    case Quantity::kPerformanceDensity:
      return figures.performance_density;
    case Quantity::kIoBidirGbps:
      return figures.io_bidir_gbps;
  }
  return figures.tpp;
}

// Values within one part in 10^9 of a threshold count as equal to it: the
// exact quotient 4799.2 / 2999.5 is 1.6, but in binary it lands one ulp below.
// Datasheet figures carry three to five significant digits, so the tolerance
// never moves a real decision.
constexpr double kRelativeTolerance = 1e-9;

inline double Slack(double threshold) {
  return kRelativeTolerance * (threshold < 0 ? -threshold : threshold);
}

inline bool AtLeast(double value, double threshold) {
  return value >= threshold - Slack(threshold);
}

inline Truth Compare(double value, const Bound& bound) {
  const bool at_least = AtLeast(value, bound.threshold);
  const bool holds = bound.relation == Relation::kAtLeast ? at_least : !at_least;
  return holds ? Truth::kTrue : Truth::kFalse;
}

inline Truth EvaluateBound(const Bound& bound, const ChipFigures& figures) {
  const std::optional<double>& value = Figure(figures, bound.quantity);
  return value ? Compare(*value, bound) : Truth::kUnknown;
}

inline Truth EvaluateScope(Scope scope, const ChipFigures& figures) {
  if (scope == Scope::kAll) return Truth::kTrue;
  if (!figures.datacenter) return Truth::kUnknown;
  return *figures.datacenter ? Truth::kTrue : Truth::kFalse;
}

// Three-valued AND.
inline Truth And(Truth a, Truth b) {
  if (a == Truth::kFalse || b == Truth::kFalse) return Truth::kFalse;
  if (a == Truth::kUnknown || b == Truth::kUnknown) return Truth::kUnknown;
  return Truth::kTrue;
}

inline Truth EvaluateCriterion(const Criterion& criterion, const ChipFigures& figures) {
  Truth truth = EvaluateScope(criterion.scope, figures);
  for (const Bound& bound : criterion.Bounds()) {
    if (truth == Truth::kFalse) break;
    truth = And(truth, EvaluateBound(bound, figures));
  }
  return truth;
}

inline Eccn ItemEccn(const Criterion& criterion, ItemKind item) {
  return item == ItemKind::kComputer ? criterion.computer_eccn : criterion.eccn;
}

inline uint8_t Bit(Eccn eccn) { return static_cast<uint8_t>(1u << static_cast<unsigned>(eccn)); }

// Criteria are sorted strictest first. Walking them, a criterion that holds
// decides unless a stricter one is unknown; unknown ones add their ECCN to the
// possible set. With no criterion holding, not being controlled stays possible.
EccnVerdict Decide(const ClassificationRegime& regime, const ChipFigures& figures,
                   Truth* truths /* nullable, one per criterion */) {
  uint8_t possible = 0;
  Eccn held = Eccn::kNot3A090;
  bool any_held = false;
  for (size_t idx = 0; idx < regime.criteria.size(); ++idx) {
    const Criterion& criterion = regime.criteria[idx];
    const Truth truth = EvaluateCriterion(criterion, figures);
    if (truths) truths[idx] = truth;
    if (any_held) continue;  // keep filling `truths` for the report
    if (truth == Truth::kTrue) {
      held = ItemEccn(criterion, figures.item);
      any_held = true;
      possible |= Bit(held);
    } else if (truth == Truth::kUnknown) {
      possible |= Bit(ItemEccn(criterion, figures.item));
    }
  }
  if (!any_held) possible |= Bit(Eccn::kNot3A090);
  EccnVerdict verdict;
  verdict.possible = possible;
  const bool single = (possible & (possible - 1)) == 0;
  verdict.eccn = single ? (any_held ? held : Eccn::kNot3A090) : Eccn::kUndetermined;
  return verdict;
}

// Appends `value` in fixed point with `decimals` places, trailing zeros
// trimmed: 2368, 2.91. Returns the appended length.
size_t AppendFixed(std::string& out, double value, int decimals) {
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) {
    out += '?';
    return 1;
  }
  if (std::find(buffer, end, '.') != end) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  out.append(buffer, end);
  return static_cast<size_t>(end - buffer);
}

int BaseDecimals(Quantity quantity) { return quantity == Quantity::kPerformanceDensity ? 2 : 1; }

std::string_view Unit(Quantity quantity) {
  return quantity == Quantity::kIoBidirGbps ? " GB/s" : "";
}

// Appends "TPP 2368 < 4800": the relation that actually holds. Uses enough
// decimals that a value just off the threshold never prints equal to it
// ("PD 5.9199 < 5.92", not "5.92 < 5.92").
void AppendKnownInequality(std::string& out, const InequalityResult& inequality) {
  const double value = *inequality.value;
  const double threshold = inequality.threshold;
  const bool equal = value >= threshold - Slack(threshold) && value <= threshold + Slack(threshold);
  int decimals = BaseDecimals(inequality.quantity);
  std::string value_text;
  std::string threshold_text;
  while (true) {
    value_text.clear();
    threshold_text.clear();
    AppendFixed(value_text, value, decimals);
    AppendFixed(threshold_text, threshold, decimals);
    if (equal || value_text != threshold_text || decimals >= 9) break;
    ++decimals;
  }
  if (equal) value_text = threshold_text;
  std::string_view symbol = RelationSymbol(inequality.relation);
  if (inequality.holds == Truth::kFalse) {
    symbol = inequality.relation == Relation::kAtLeast ? "<" : ">=";
  }
  out += QuantityLabel(inequality.quantity);
  out += ' ';
  out += value_text;
  out += Unit(inequality.quantity);
  out += ' ';
  out += symbol;
  out += ' ';
  out += threshold_text;
  out += Unit(inequality.quantity);
}

// Appends what an unknown bound needs, in terms of the missing input where
// possible: "PD >= 5.92, i.e. die area <= 345.9 mm2".
void AppendUnknownInequality(std::string& out, const InequalityResult& inequality,
                             const ChipFigures& figures) {
  out += QuantityLabel(inequality.quantity);
  out += ' ';
  out += RelationSymbol(inequality.relation);
  out += ' ';
  AppendFixed(out, inequality.threshold, BaseDecimals(inequality.quantity) + 2);
  out += Unit(inequality.quantity);
  if (inequality.quantity == Quantity::kPerformanceDensity && figures.tpp &&
      inequality.threshold > 0) {
    // PD = TPP / area, so PD >= t exactly when area <= TPP / t.
    const double area = *figures.tpp / inequality.threshold;
    out += inequality.relation == Relation::kAtLeast ? ", i.e. die area <= " : ", i.e. die area > ";
    AppendFixed(out, area, 1);
    out += " mm2";
  }
}

std::string_view MissingField(Quantity quantity, const ChipFigures& figures) {
  switch (quantity) {
    case Quantity::kTpp:
      return "throughput";
    case Quantity::kPerformanceDensity:
      return figures.tpp ? "die_area_mm2" : "throughput";
    case Quantity::kIoBidirGbps:
      return "interconnect_bidir_gbps";
  }
  return "throughput";
}

template <typename Strings>
void AddMissing(Strings& missing, std::string_view field) {
  if (std::find(missing.begin(), missing.end(), field) == missing.end()) {
    missing.emplace_back(field);
  }
}

// Appends the clause for one criterion: "3A090.a.2: PD 2.91 < 5.92".
void AppendClause(std::string& out, const CriterionResult& result, const ChipFigures& figures) {
  out += result.paragraph;
  out += ": ";
  if (result.in_scope == Truth::kFalse) {
    out += "applies only to ICs designed or marketed for data centers";
    return;
  }
  bool first = true;
  auto separator = [&] {
    if (!first) out += " and ";
    first = false;
  };
  if (result.holds != Truth::kUnknown) {
    // A criterion that holds shows every inequality; one that fails, the failing ones.
    for (const InequalityResult& inequality : result.Inequalities()) {
      if (result.holds == Truth::kFalse && inequality.holds != Truth::kFalse) continue;
      separator();
      AppendKnownInequality(out, inequality);
    }
    if (result.holds == Truth::kTrue && result.scope == Scope::kDatacenter) {
      separator();
      out += "datacenter IC";
    }
    return;
  }
  // Unknown: name what would make it hold, and what is missing.
  std::array<std::string_view, 4> missing{};
  size_t missing_count = 0;
  auto note_missing = [&](std::string_view field) {
    for (size_t idx = 0; idx < missing_count; ++idx) {
      if (missing[idx] == field) return;
    }
    if (missing_count < missing.size()) missing[missing_count++] = field;
  };
  out += "holds if ";
  for (const InequalityResult& inequality : result.Inequalities()) {
    if (inequality.holds != Truth::kUnknown) continue;
    separator();
    AppendUnknownInequality(out, inequality, figures);
    note_missing(MissingField(inequality.quantity, figures));
  }
  if (result.in_scope == Truth::kUnknown) {
    separator();
    out += "the IC is designed or marketed for data centers";
    note_missing("datacenter");
  }
  out += " (";
  for (size_t idx = 0; idx < missing_count; ++idx) {
    if (idx > 0) out += ", ";
    out += missing[idx];
  }
  out += " missing)";
}

std::string BuildReason(const Classification& classification, const ChipFigures& figures) {
  const int decided_rank =
      classification.eccn == Eccn::kUndetermined ? 0 : EccnRank(classification.eccn);
  std::string reason;
  reason.reserve(160);
  if (!figures.tpp) reason += "throughput missing, TPP unknown; ";
  bool first = true;
  for (const CriterionResult& result : classification.criteria) {
    // Looser criteria than the ECCN reached say nothing about it; at the ECCN
    // reached, only the criteria that hold.
    if (EccnRank(result.eccn) < decided_rank) continue;
    if (decided_rank > 0 && EccnRank(result.eccn) == decided_rank && result.holds != Truth::kTrue) {
      continue;
    }
    if (!first) reason += "; ";
    first = false;
    AppendClause(reason, result, figures);
  }
  return reason;
}

}  // namespace

std::string_view TruthName(Truth truth) {
  switch (truth) {
    case Truth::kFalse:
      return "false";
    case Truth::kTrue:
      return "true";
    case Truth::kUnknown:
      return "unknown";
  }
  return "unknown";
}

EccnVerdict DecideEccn(const ChipFigures& figures, const ClassificationRegime& regime) {
  return Decide(regime, figures, nullptr);
}

Classification Classify(const ChipFigures& figures, const ClassificationRegime& regime) {
  Classification out;
  out.regime_id = regime.id;
  // Packs have a handful of criteria; only an unusual one needs the heap.
  std::array<Truth, 16> small_truths{};
  std::vector<Truth> large_truths;
  Truth* truths = small_truths.data();
  if (regime.criteria.size() > small_truths.size()) {
    large_truths.resize(regime.criteria.size());
    truths = large_truths.data();
  }
  const EccnVerdict verdict = Decide(regime, figures, truths);
  out.eccn = verdict.eccn;

  out.criteria.reserve(regime.criteria.size());
  for (size_t idx = 0; idx < regime.criteria.size(); ++idx) {
    const Criterion& criterion = regime.criteria[idx];
    CriterionResult result;
    result.paragraph = criterion.paragraph;
    result.eccn = ItemEccn(criterion, figures.item);
    result.scope = criterion.scope;
    result.in_scope = EvaluateScope(criterion.scope, figures);
    result.holds = truths[idx];
    result.source = criterion.source;
    for (const Bound& bound : criterion.Bounds()) {
      InequalityResult inequality;
      inequality.quantity = bound.quantity;
      inequality.relation = bound.relation;
      inequality.threshold = bound.threshold;
      inequality.value = Figure(figures, bound.quantity);
      inequality.holds = EvaluateBound(bound, figures);
      result.inequalities[result.inequality_count++] = inequality;
    }
    out.criteria.push_back(std::move(result));
  }

  for (Eccn eccn : {Eccn::k3A090a, Eccn::k4A090a, Eccn::k3A090b, Eccn::k4A090b, Eccn::kNot3A090}) {
    if (verdict.possible & Bit(eccn)) out.possible_eccns.push_back(eccn);
  }
  if (out.eccn == Eccn::kUndetermined) {
    for (const CriterionResult& result : out.criteria) {
      if (result.holds != Truth::kUnknown) continue;
      for (const InequalityResult& inequality : result.Inequalities()) {
        if (inequality.holds == Truth::kUnknown) {
          AddMissing(out.missing, MissingField(inequality.quantity, figures));
        }
      }
      if (result.in_scope == Truth::kUnknown) AddMissing(out.missing, "datacenter");
    }
  }
  out.reason = BuildReason(out, figures);
  return out;
}

Classification Classify(const AcceleratorSpec& spec, const ClassificationRegime& regime) {
  return Classify(ComputeFigures(spec), regime);
}

Result<ClassificationReport> ClassifyAll(const AcceleratorSpec& spec,
                                         std::span<const ClassificationRegime> regimes,
                                         Instant date, std::span<const std::string> regime_ids) {
  std::vector<const ClassificationRegime*> selected;
  if (regime_ids.empty()) {
    for (const ClassificationRegime& regime : regimes) selected.push_back(&regime);
  } else {
    for (const std::string& id : regime_ids) {
      const ClassificationRegime* regime = FindRegime(regimes, id);
      if (!regime) {
        std::string known;
        for (const ClassificationRegime& r : regimes) {
          if (!known.empty()) known += ", ";
          known += r.id;
        }
        return NotFound("unknown regime \"" + id + "\" (known: " + known + ")", "regime");
      }
      if (std::find(selected.begin(), selected.end(), regime) == selected.end()) {
        selected.push_back(regime);
      }
    }
  }
  std::stable_sort(selected.begin(), selected.end(),
                   [](const ClassificationRegime* a, const ClassificationRegime* b) {
                     if (a->effective != b->effective) return a->effective < b->effective;
                     return a->published < b->published;
                   });

  const ChipFigures figures = ComputeFigures(spec);
  const ClassificationRegime* in_force = RegimeInForce(regimes, date);

  ClassificationReport report;
  report.model = spec.DisplayId();
  report.vendor = spec.vendor;
  report.name = spec.name;
  report.tpp = figures.tpp;
  report.performance_density = figures.performance_density;
  report.date = date;
  for (const ClassificationRegime* regime : selected) {
    Classification classification = Classify(figures, *regime);
    classification.in_force = regime == in_force;
    report.by_regime.push_back(std::move(classification));
  }

  if (in_force) {
    // Reuse the listed classification when the regime in force is among them.
    const Classification* listed = nullptr;
    for (const Classification& classification : report.by_regime) {
      if (classification.in_force) listed = &classification;
    }
    Classification computed;
    if (!listed) {
      computed = Classify(figures, *in_force);
      listed = &computed;
    }
    report.regime_in_force = in_force->id;
    report.eccn = listed->eccn;
    report.reason = in_force->id + ": " + listed->reason;
  } else {
    report.eccn = Eccn::kNot3A090;
    const ClassificationRegime* first = nullptr;
    for (const ClassificationRegime& regime : regimes) {
      if (regime.status == RegimeStatus::kProposed) continue;
      if (!first || regime.OperativeFrom() < first->OperativeFrom()) first = &regime;
    }
    report.reason = "no classification regime is in force on " + date.DateString();
    if (first && date < first->OperativeFrom()) {
      report.reason +=
          ": the first, " + first->id + ", took effect on " + first->OperativeFrom().DateString();
    }
  }
  return report;
}

}  // namespace straits::catalog

#include "catalog/classify.h"

#include <algorithm>
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

// Fixed-point text with `decimals` places, trailing zeros trimmed: 2368, 2.91.
std::string FormatFixed(double value, int decimals) {
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "?";
  std::string text(buffer, end);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

int BaseDecimals(Quantity quantity) { return quantity == Quantity::kPerformanceDensity ? 2 : 1; }

// Value and threshold as text, with enough decimals that a value just off the
// threshold never prints equal to it ("PD 5.9199 < 5.92", not "5.92 < 5.92").
std::pair<std::string, std::string> FormatPair(double value, double threshold, Quantity quantity) {
  int decimals = BaseDecimals(quantity);
  std::string value_text = FormatFixed(value, decimals);
  std::string threshold_text = FormatFixed(threshold, decimals);
  const bool equal = value >= threshold - Slack(threshold) && value <= threshold + Slack(threshold);
  while (!equal && value_text == threshold_text && decimals < 9) {
    ++decimals;
    value_text = FormatFixed(value, decimals);
    threshold_text = FormatFixed(threshold, decimals);
  }
  if (equal) value_text = threshold_text;
  return {value_text, threshold_text};
}

std::string_view Unit(Quantity quantity) {
  return quantity == Quantity::kIoBidirGbps ? " GB/s" : "";
}

// "TPP 2368 < 4800": the relation that actually holds between value and threshold.
std::string KnownInequality(const InequalityResult& inequality) {
  auto [value, threshold] =
      FormatPair(*inequality.value, inequality.threshold, inequality.quantity);
  std::string_view symbol = RelationSymbol(inequality.relation);
  if (inequality.holds == Truth::kFalse) {
    symbol = inequality.relation == Relation::kAtLeast ? "<" : ">=";
  }
  std::string text(QuantityLabel(inequality.quantity));
  text += ' ';
  text += value;
  text += Unit(inequality.quantity);
  text += ' ';
  text += symbol;
  text += ' ';
  text += threshold;
  text += Unit(inequality.quantity);
  return text;
}

// What an unknown bound needs, in terms of the missing input where possible:
// "PD >= 5.92, i.e. die area <= 345.9 mm2".
std::string UnknownInequality(const InequalityResult& inequality, const ChipFigures& figures) {
  std::string text(QuantityLabel(inequality.quantity));
  text += ' ';
  text += RelationSymbol(inequality.relation);
  text += ' ';
  text += FormatFixed(inequality.threshold, BaseDecimals(inequality.quantity) + 2);
  text += Unit(inequality.quantity);
  if (inequality.quantity == Quantity::kPerformanceDensity && figures.tpp &&
      inequality.threshold > 0) {
    // PD = TPP / area, so PD >= t exactly when area <= TPP / t.
    const double area = *figures.tpp / inequality.threshold;
    text +=
        inequality.relation == Relation::kAtLeast ? ", i.e. die area <= " : ", i.e. die area > ";
    text += FormatFixed(area, 1);
    text += " mm2";
  }
  return text;
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

void AddMissing(std::vector<std::string>& missing, std::string_view field) {
  if (std::find(missing.begin(), missing.end(), field) == missing.end()) {
    missing.emplace_back(field);
  }
}

std::string JoinAnd(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) {
    if (!text.empty()) text += " and ";
    text += part;
  }
  return text;
}

// One clause of the reason for one criterion, or "" when it did not matter.
std::string Clause(const CriterionResult& result, const ChipFigures& figures) {
  std::vector<std::string> parts;
  std::string text = result.paragraph + ": ";
  if (result.in_scope == Truth::kFalse) {
    return text + "applies only to ICs designed or marketed for data centers";
  }
  if (result.holds == Truth::kTrue) {
    for (const InequalityResult& inequality : result.inequalities) {
      parts.push_back(KnownInequality(inequality));
    }
    if (result.scope == Scope::kDatacenter) parts.emplace_back("datacenter IC");
    return text + JoinAnd(parts);
  }
  if (result.holds == Truth::kFalse) {
    for (const InequalityResult& inequality : result.inequalities) {
      if (inequality.holds == Truth::kFalse) parts.push_back(KnownInequality(inequality));
    }
    return text + JoinAnd(parts);
  }
  // Unknown: name what would make it hold.
  std::vector<std::string> missing;
  for (const InequalityResult& inequality : result.inequalities) {
    if (inequality.holds == Truth::kUnknown) {
      parts.push_back(UnknownInequality(inequality, figures));
      AddMissing(missing, MissingField(inequality.quantity, figures));
    }
  }
  if (result.in_scope == Truth::kUnknown) {
    parts.emplace_back("the IC is designed or marketed for data centers");
    AddMissing(missing, "datacenter");
  }
  std::string missing_text;
  for (const std::string& field : missing) {
    if (!missing_text.empty()) missing_text += ", ";
    missing_text += field;
  }
  return text + "holds if " + JoinAnd(parts) + " (" + missing_text + " missing)";
}

std::string BuildReason(const Classification& classification, const ChipFigures& figures) {
  const int decided_rank =
      classification.eccn == Eccn::kUndetermined ? 0 : EccnRank(classification.eccn);
  std::string reason;
  for (const CriterionResult& result : classification.criteria) {
    // Looser criteria than the ECCN reached say nothing about it.
    if (EccnRank(result.eccn) < decided_rank) continue;
    if (decided_rank > 0 && EccnRank(result.eccn) == decided_rank && result.holds != Truth::kTrue) {
      continue;
    }
    if (!reason.empty()) reason += "; ";
    reason += Clause(result, figures);
  }
  if (!figures.tpp) {
    reason = "throughput missing, TPP unknown; " + reason;
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
  std::vector<Truth> truths(regime.criteria.size(), Truth::kUnknown);
  const EccnVerdict verdict = Decide(regime, figures, truths.data());
  out.eccn = verdict.eccn;

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
      result.inequalities.push_back(inequality);
    }
    out.criteria.push_back(std::move(result));
  }

  for (Eccn eccn : {Eccn::k3A090a, Eccn::k4A090a, Eccn::k3A090b, Eccn::k4A090b, Eccn::kNot3A090}) {
    if (verdict.possible & Bit(eccn)) out.possible_eccns.push_back(eccn);
  }
  if (out.eccn == Eccn::kUndetermined) {
    for (const CriterionResult& result : out.criteria) {
      if (result.holds != Truth::kUnknown) continue;
      for (const InequalityResult& inequality : result.inequalities) {
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
    Classification current = Classify(figures, *in_force);
    report.regime_in_force = in_force->id;
    report.eccn = current.eccn;
    report.reason = in_force->id + ": " + current.reason;
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

#include "catalog/regime.h"

#include <algorithm>

#include "catalog/toml_reader.h"
#include "core/ids.h"

namespace straits::catalog {
namespace {

struct BoundKey {
  std::string_view key;
  Quantity quantity;
  Relation relation;
};

constexpr BoundKey kBoundKeys[] = {
    {"tpp_at_least", Quantity::kTpp, Relation::kAtLeast},
    {"tpp_below", Quantity::kTpp, Relation::kBelow},
    {"pd_at_least", Quantity::kPerformanceDensity, Relation::kAtLeast},
    {"pd_below", Quantity::kPerformanceDensity, Relation::kBelow},
    {"io_bidir_gbps_at_least", Quantity::kIoBidirGbps, Relation::kAtLeast},
    {"io_bidir_gbps_below", Quantity::kIoBidirGbps, Relation::kBelow},
};
static_assert(std::size(kBoundKeys) <= Criterion::kMaxBounds);

Result<Eccn> ReadEccn(const internal::TomlReader& reader, const toml::table& table,
                      std::string_view path, std::string_view key, bool computer) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, reader.RequiredString(table, path, key));
  std::optional<Eccn> eccn = ParseEccn(text);
  const bool family_ok = eccn && (computer ? (*eccn == Eccn::k4A090a || *eccn == Eccn::k4A090b)
                                           : (*eccn == Eccn::k3A090a || *eccn == Eccn::k3A090b));
  if (!family_ok) {
    return reader.Error(
        *table.get(key), internal::JoinPath(path, key),
        "must be " +
            std::string(computer ? "\"4A090.a\" or \"4A090.b\"" : "\"3A090.a\" or \"3A090.b\"") +
            ", found \"" + text + "\"");
  }
  return *eccn;
}

Result<Criterion> ReadCriterion(const internal::TomlReader& reader, const toml::table& table,
                                std::string_view path) {
  STRAITS_RETURN_IF_ERROR(reader.CheckKeys(
      table, path,
      {"paragraph", "eccn", "computer_eccn", "scope", "source", "tpp_at_least", "tpp_below",
       "pd_at_least", "pd_below", "io_bidir_gbps_at_least", "io_bidir_gbps_below"}));
  Criterion criterion;
  STRAITS_ASSIGN_OR_RETURN(std::string paragraph, reader.RequiredString(table, path, "paragraph"));
  criterion.paragraph = std::move(paragraph);
  STRAITS_ASSIGN_OR_RETURN(criterion.eccn, ReadEccn(reader, table, path, "eccn", false));
  STRAITS_ASSIGN_OR_RETURN(criterion.computer_eccn,
                           ReadEccn(reader, table, path, "computer_eccn", true));
  if (EccnRank(criterion.eccn) != EccnRank(criterion.computer_eccn)) {
    return reader.Error(*table.get("computer_eccn"), internal::JoinPath(path, "computer_eccn"),
                        "must be the 4A090 paragraph matching eccn \"" +
                            std::string(EccnName(criterion.eccn)) + "\"");
  }
  STRAITS_ASSIGN_OR_RETURN(std::string scope, reader.RequiredString(table, path, "scope"));
  if (scope == "all") {
    criterion.scope = Scope::kAll;
  } else if (scope == "datacenter") {
    criterion.scope = Scope::kDatacenter;
  } else {
    return reader.Error(*table.get("scope"), internal::JoinPath(path, "scope"),
                        "must be \"all\" or \"datacenter\", found \"" + scope + "\"");
  }
  STRAITS_ASSIGN_OR_RETURN(std::string source, reader.RequiredString(table, path, "source"));
  if (source.empty()) {
    return reader.Error(*table.get("source"), internal::JoinPath(path, "source"),
                        "must cite the regulation the thresholds come from");
  }
  criterion.source = std::move(source);
  for (const BoundKey& bound_key : kBoundKeys) {
    STRAITS_ASSIGN_OR_RETURN(std::optional<double> threshold,
                             reader.Number(table, path, bound_key.key, false));
    if (!threshold) continue;
    if (*threshold < 0) {
      return reader.Error(*table.get(bound_key.key), internal::JoinPath(path, bound_key.key),
                          "must be 0 or more");
    }
    criterion.bounds[criterion.bound_count++] =
        Bound{bound_key.quantity, bound_key.relation, *threshold};
  }
  if (criterion.bound_count == 0) {
    return reader.Error(table, path,
                        "needs at least one bound (tpp_at_least, tpp_below, pd_at_least, "
                        "pd_below, io_bidir_gbps_at_least, io_bidir_gbps_below)");
  }
  return criterion;
}

}  // namespace

std::string_view EccnName(Eccn eccn) {
  switch (eccn) {
    case Eccn::kNot3A090:
      return "not_3A090";
    case Eccn::k3A090a:
      return "3A090.a";
    case Eccn::k3A090b:
      return "3A090.b";
    case Eccn::k4A090a:
      return "4A090.a";
    case Eccn::k4A090b:
      return "4A090.b";
    case Eccn::kUndetermined:
      return "undetermined";
  }
  return "undetermined";
}

std::optional<Eccn> ParseEccn(std::string_view text) {
  for (Eccn eccn : {Eccn::kNot3A090, Eccn::k3A090a, Eccn::k3A090b, Eccn::k4A090a, Eccn::k4A090b}) {
    if (EccnName(eccn) == text) return eccn;
  }
  return std::nullopt;
}

int EccnRank(Eccn eccn) {
  switch (eccn) {
    case Eccn::k3A090a:
    case Eccn::k4A090a:
      return 2;
    case Eccn::k3A090b:
    case Eccn::k4A090b:
      return 1;
    case Eccn::kNot3A090:
    case Eccn::kUndetermined:
      return 0;
  }
  return 0;
}

std::string_view QuantityLabel(Quantity quantity) {
  switch (quantity) {
    case Quantity::kTpp:
      return "TPP";
    case Quantity::kPerformanceDensity:
      return "PD";
    case Quantity::kIoBidirGbps:
      return "I/O";
  }
  return "?";
}

std::string_view QuantityKey(Quantity quantity) {
  switch (quantity) {
    case Quantity::kTpp:
      return "tpp";
    case Quantity::kPerformanceDensity:
      return "performance_density";
    case Quantity::kIoBidirGbps:
      return "io_bidir_gbps";
  }
  return "?";
}

std::string_view RelationSymbol(Relation relation) {
  return relation == Relation::kAtLeast ? ">=" : "<";
}

std::string_view RegimeStatusName(RegimeStatus status) {
  switch (status) {
    case RegimeStatus::kFinal:
      return "final";
    case RegimeStatus::kProposed:
      return "proposed";
    case RegimeStatus::kOperatorPolicy:
      return "operator_policy";
  }
  return "final";
}

Instant ClassificationRegime::OperativeFrom() const {
  return compliance ? std::max(effective, *compliance) : effective;
}

bool ClassificationRegime::OperativeOn(Instant date) const {
  if (status == RegimeStatus::kProposed) return false;
  if (date < OperativeFrom()) return false;
  return !rescinded || date < *rescinded;
}

Result<ClassificationRegime> ParseRegimeToml(std::string_view text, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(toml::table root, internal::ParseTomlText(text, source_name));
  internal::TomlReader reader(source_name);
  ClassificationRegime regime;

  STRAITS_ASSIGN_OR_RETURN(regime.id, reader.RequiredString(root, "", "id"));
  Status id_ok = ValidateId(regime.id);
  if (!id_ok.ok()) return reader.Error(*root.get("id"), "id", id_ok.message());
  STRAITS_ASSIGN_OR_RETURN(regime.jurisdiction, reader.RequiredString(root, "", "jurisdiction"));
  STRAITS_ASSIGN_OR_RETURN(regime.title, reader.RequiredString(root, "", "title"));
  STRAITS_ASSIGN_OR_RETURN(std::string status, reader.RequiredString(root, "", "status"));
  if (status == "final") {
    regime.status = RegimeStatus::kFinal;
  } else if (status == "proposed") {
    regime.status = RegimeStatus::kProposed;
  } else if (status == "operator_policy") {
    regime.status = RegimeStatus::kOperatorPolicy;
  } else {
    return reader.Error(
        *root.get("status"), "status",
        "must be \"final\", \"proposed\" or \"operator_policy\", found \"" + status + "\"");
  }
  STRAITS_ASSIGN_OR_RETURN(regime.published, reader.RequiredDate(root, "", "published"));
  STRAITS_ASSIGN_OR_RETURN(regime.effective, reader.RequiredDate(root, "", "effective"));
  STRAITS_ASSIGN_OR_RETURN(regime.compliance, reader.Date(root, "", "compliance", false));
  STRAITS_ASSIGN_OR_RETURN(regime.rescinded, reader.Date(root, "", "rescinded", false));
  if (regime.rescinded && *regime.rescinded < regime.effective) {
    return reader.Error(*root.get("rescinded"), "rescinded",
                        "must not be before effective (" + regime.effective.DateString() + ")");
  }
  STRAITS_ASSIGN_OR_RETURN(regime.sources, reader.StringArray(root, "", "sources", true));
  if (regime.sources.empty()) {
    return reader.Error(*root.get("sources"), "sources", "must name at least one source");
  }

  const toml::node* node = root.get("classification");
  if (!node) {
    return FailedPrecondition("rule pack \"" + regime.id + "\" has no [classification] table",
                              std::string(source_name));
  }
  const toml::table* classification = node->as_table();
  if (!classification) {
    return reader.Error(*node, "classification",
                        "must be a table, found " + std::string(internal::TypeName(*node)));
  }
  STRAITS_RETURN_IF_ERROR(
      reader.CheckKeys(*classification, "classification", {"sources", "criterion"}));
  STRAITS_ASSIGN_OR_RETURN(regime.classification_sources,
                           reader.StringArray(*classification, "classification", "sources", true));
  STRAITS_ASSIGN_OR_RETURN(std::vector<const toml::table*> criteria,
                           reader.TableArray(*classification, "classification", "criterion"));
  if (criteria.empty()) {
    return reader.Error(*classification, "classification",
                        "needs at least one [[classification.criterion]]");
  }
  for (size_t idx = 0; idx < criteria.size(); ++idx) {
    STRAITS_ASSIGN_OR_RETURN(Criterion criterion,
                             ReadCriterion(reader, *criteria[idx],
                                           internal::IndexPath("classification.criterion", idx)));
    regime.criteria.push_back(std::move(criterion));
  }
  std::stable_sort(
      regime.criteria.begin(), regime.criteria.end(),
      [](const Criterion& a, const Criterion& b) { return EccnRank(a.eccn) > EccnRank(b.eccn); });
  return regime;
}

const ClassificationRegime* RegimeInForce(std::span<const ClassificationRegime> regimes,
                                          Instant date) {
  const ClassificationRegime* best = nullptr;
  for (const ClassificationRegime& regime : regimes) {
    if (!regime.OperativeOn(date)) continue;
    if (!best || regime.OperativeFrom() > best->OperativeFrom() ||
        (regime.OperativeFrom() == best->OperativeFrom() && regime.published > best->published)) {
      best = &regime;
    }
  }
  return best;
}

const ClassificationRegime* FindRegime(std::span<const ClassificationRegime> regimes,
                                       std::string_view id) {
  for (const ClassificationRegime& regime : regimes) {
    if (regime.id == id) return &regime;
  }
  return nullptr;
}

}  // namespace straits::catalog

// How the lease service asks the compliance engine about a lease: the
// remote_access transaction for (tenant, site, model, date), screening of the
// tenant (with its owners) and the site operator, the JSON kept with every
// decision, and the adapter that lets placement filter sites by verdict.
//
// Thread-safety: PartyScreener is safe for concurrent use; VerdictOracle is
// filled and read by one thread at a time (the service's placement lock).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "lease/lease.h"
#include "lease/world.h"
#include "lease_store/lease_store.h"
#include "placement/compliance.h"
#include "policy/engine.h"
#include "policy/screening.h"

namespace straits::lease {

// Screens organizations once per day and remembers the result.
class PartyScreener {
 public:
  explicit PartyScreener(const policy::Screener* screener) : screener_(screener) {}

  // The facts rules see about `org` on `date`; appends its screening to
  // `screenings` when given (and when a screener is configured).
  policy::PartyFacts Facts(const World& world, const fleet::Organization& org, Instant date,
                           std::string_view role, std::vector<policy::PartyScreening>* screenings);
  // Forgets cached screenings (organizations or lists changed).
  void Clear();

 private:
  const policy::Screener* screener_;
  std::mutex mu_;
  std::unordered_map<std::string, policy::PartyScreening> cache_;
};

// One evaluated (site, model) for a lease.
struct Evaluated {
  placement::SiteIndex site = 0;
  placement::ModelIndex model = 0;
  Instant date;
  policy::Transaction tx;
  policy::Decision decision;
  std::vector<policy::PartyScreening> screenings;

  policy::Verdict verdict() const { return decision.verdict(); }
};

// Evaluates `spec` (its tenant, GPU count, end use and FLOP) at `site` with
// `model` on `date`. not_found when the tenant, the site's operator or the
// model is unknown to the world or the policy engine.
Status Evaluate(const policy::Engine& engine, PartyScreener& screener, const World& world,
                const LeaseSpec& spec, placement::SiteIndex site, placement::ModelIndex model,
                Instant date, Evaluated& out);

// "us-bis-2025-05-guidance/iaas-training-due-diligence (conditions): <message>" per rule fired.
std::vector<std::string> HitSummaries(const policy::Decision& decision);
// "allowed: no rule fired" or the summaries joined with "; ".
std::string Summary(const policy::Decision& decision);

// The record kept with the lease: the decision (DecisionToJson, with the
// screenings) and the input facts it was made from.
lease_store::DecisionRecord ToRecord(const World& world, const Evaluated& evaluated,
                                     std::string_view stage, Instant at);

// Placement's view of the verdicts: a (site, model) passes when its verdict is
// at most the threshold. Unevaluated pairs pass (placement's own filters
// exclude what the request does not ask for).
class VerdictOracle final : public placement::SiteComplianceOracle {
 public:
  void Reset(int32_t num_sites, int32_t num_models);
  void Set(placement::SiteIndex site, placement::ModelIndex model, policy::Verdict verdict,
           std::string summary);
  void set_threshold(policy::Verdict threshold) { threshold_ = threshold; }
  // Every pair passes (quotes evaluate compliance apart from placement).
  void AllowAll() { allow_all_ = true; }

  placement::SiteVerdict Check(const placement::Request& request,
                               const placement::Topology& topology,
                               placement::SiteIndex site) const override;
  placement::SiteVerdict CheckModel(const placement::Request& request,
                                    const placement::Topology& topology, placement::SiteIndex site,
                                    placement::ModelIndex model) const override;

 private:
  struct Entry {
    bool evaluated = false;
    policy::Verdict verdict = policy::Verdict::kAllowed;
    std::string summary;
  };
  const Entry& At(placement::SiteIndex site, placement::ModelIndex model) const {
    return entries_[static_cast<size_t>(site) * static_cast<size_t>(num_models_) +
                    static_cast<size_t>(model)];
  }
  std::vector<Entry> entries_;
  int32_t num_models_ = 0;
  policy::Verdict threshold_ = policy::Verdict::kAllowed;
  bool allow_all_ = false;
};

}  // namespace straits::lease

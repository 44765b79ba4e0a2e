#include "lease/service.h"

#include <algorithm>
#include <random>
#include <set>

#include "auth/tokens.h"
#include "lease/compliance.h"
#include "lease/json.h"
#include "lease/world.h"

namespace straits::lease {
namespace {

namespace json = boost::json;
using lease_store::DecisionRecord;
using lease_store::LeaseWrite;
using lease_store::Written;

constexpr std::string_view kSystemActor = "system:clock";

std::string Serialize(const json::object& o) { return json::serialize(o); }

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& s : items) out.emplace_back(s);
  return out;
}

std::string LeaseBody(const Lease& lease, const std::vector<std::string>& reasons) {
  json::object body = LeaseToJson(lease);
  body["reasons"] = Strings(reasons);
  return Serialize(body);
}

// Placement names fields after its own request; the lease request says
// "accelerators" and "max_price".
Status RenameField(const Status& s) {
  std::string field = s.field();
  if (field.rfind("models", 0) == 0) field = "accelerators" + field.substr(6);
  if (field == "max_price_per_gpu_hour") field = "max_price";
  return Status(s.code(), s.message(), field);
}

std::string ReasonText(const placement::Topology& topology, const placement::SiteReason& r) {
  std::string text = topology.site(r.site).id.str() + ": " +
                     std::string(placement::ReasonCodeName(r.code)) + " (" + r.plugin +
                     "): " + r.message;
  if (r.short_by_gpus > 0) text += " [short by " + std::to_string(r.short_by_gpus) + " GPUs]";
  return text;
}

json::object ReasonJson(const placement::Topology& topology, const placement::SiteReason& r) {
  json::object o{{"site", topology.site(r.site).id.str()},
                 {"reason", placement::ReasonCodeName(r.code)},
                 {"plugin", r.plugin},
                 {"message", r.message}};
  if (r.short_by_gpus >= 0) o["short_by_gpus"] = r.short_by_gpus;
  return o;
}

std::string AuditDetail(const Lease& before, const Lease& after, json::object extra) {
  extra["from"] = StateName(before.state);
  extra["to"] = StateName(after.state);
  extra["version"] = after.version + (after.seq == 0 ? 1 : 0);
  extra["verdict"] = policy::VerdictName(after.verdict);
  if (after.placement) {
    extra["site"] = after.placement->site.str();
    extra["model"] = after.placement->model.str();
    extra["start"] = after.placement->start.ToString();
    extra["end"] = after.placement->end.ToString();
    extra["gpus"] = after.placement->gpus();
  }
  if (!after.reason.empty()) extra["reason"] = after.reason;
  return Serialize(extra);
}

json::array RuleIds(const policy::Decision& d) {
  json::array out;
  for (const policy::Hit& hit : d.hits()) out.emplace_back(hit.pack->id + "/" + hit.rule->id);
  return out;
}

}  // namespace

// ---- Group commit ----

struct LeaseService::Pending {
  std::vector<LeaseWrite> writes;
  std::vector<Result<Written>> results;
  bool done = false;
};

std::vector<Result<Written>> LeaseService::Commit(std::vector<LeaseWrite> writes) {
  Pending mine;
  mine.writes = std::move(writes);
  std::unique_lock<std::mutex> lock(commit_mu_);
  queue_.push_back(&mine);
  while (!mine.done) {
    if (committing_) {
      commit_cv_.wait(lock);
      continue;
    }
    // Leader: commit everything queued (up to max_batch writes) in one transaction.
    committing_ = true;
    std::vector<Pending*> batch;
    size_t count = 0;
    while (!queue_.empty() && (batch.empty() || count + queue_.front()->writes.size() <=
                                                    static_cast<size_t>(options_.max_batch))) {
      count += queue_.front()->writes.size();
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<LeaseWrite> all;
    all.reserve(count);
    for (Pending* p : batch) {
      for (LeaseWrite& w : p->writes) all.push_back(std::move(w));
    }
    std::vector<Result<Written>> results = deps_.leases.Apply(all);
    size_t next = 0;
    for (Pending* p : batch) {
      for (size_t i = 0; i < p->writes.size(); ++i)
        p->results.push_back(std::move(results[next++]));
    }
    lock.lock();
    for (Pending* p : batch) p->done = true;
    committing_ = false;
    commit_cv_.notify_all();
  }
  return std::move(mine.results);
}

// ---- Construction, world and calendar ----

LeaseService::LeaseService(const ServiceDeps& deps, ServiceOptions options)
    : deps_(deps), options_(std::move(options)), screener_(deps.screener) {
  std::random_device random;
  key_counter_ = ((static_cast<uint64_t>(random()) << 32) ^ random()) & ((uint64_t{1} << 62) - 1);
}

LeaseService::~LeaseService() = default;

Result<std::unique_ptr<LeaseService>> LeaseService::Create(const ServiceDeps& deps,
                                                           ServiceOptions options) {
  if (options.max_batch < 1) return InvalidArgument("must be at least 1", "max_batch");
  const bool reevaluate = options.reevaluate_on_start;
  std::unique_ptr<LeaseService> service(new LeaseService(deps, std::move(options)));
  STRAITS_RETURN_IF_ERROR(service->LoadWorld());
  STRAITS_RETURN_IF_ERROR(service->RebuildCalendar());
  if (reevaluate) {
    STRAITS_ASSIGN_OR_RETURN(ReevaluationReport report,
                             service->Reevaluate("start-up (rule packs and lists as shipped)",
                                                 Actor{std::string(kSystemActor), "system", {}}));
    (void)report;
  }
  return service;
}

std::shared_ptr<const World> LeaseService::world() {
  std::lock_guard<std::mutex> lock(world_mu_);
  return world_;
}

Status LeaseService::LoadWorld() {
  STRAITS_ASSIGN_OR_RETURN(std::shared_ptr<const World> loaded,
                           lease::LoadWorld(deps_.store, deps_.catalog, deps_.policy, deps_.rates,
                                            deps_.fx, deps_.clock.Now()));
  std::lock_guard<std::mutex> lock(world_mu_);
  if (world_ && world_->org_fingerprint != loaded->org_fingerprint) screener_.Clear();
  world_ = std::move(loaded);
  next_world_check_ = deps_.clock.Now() + options_.world_check_interval;
  return Status::Ok();
}

uint64_t LeaseService::NewReservationKey() {
  // Distinct per process (random start) and per lease (counter); never 0.
  uint64_t key = 0;
  while (key == 0) key = key_counter_.fetch_add(1) & ((uint64_t{1} << 62) - 1);
  return key;
}

Status LeaseService::RebuildCalendar() {
  std::shared_ptr<const World> w = world();
  const Instant now = deps_.clock.Now();
  std::lock_guard<std::mutex> lock(mu_);
  // Read the log position first: changes committed while loading are applied again.
  STRAITS_ASSIGN_OR_RETURN(lease_store::CapacityChanges changes,
                           deps_.leases.CapacityChangesSince(INT64_MAX));
  STRAITS_ASSIGN_OR_RETURN(std::vector<lease_store::AllocationRow> rows,
                           deps_.leases.LoadAllocations(now));
  auto calendar = std::make_unique<placement::Calendar>(w->topology);
  calendar->ForgetBefore(now.unix_seconds());
  calendar_ = std::move(calendar);
  calendar_world_ = w;
  oracle_ = std::make_unique<VerdictOracle>();
  STRAITS_ASSIGN_OR_RETURN(placement::Profile profile, placement::MakeProfile(options_.profile));
  engine_ = std::make_unique<placement::Engine>(w->topology, std::move(profile), oracle_.get());
  keys_by_seq_.clear();
  own_changes_.clear();
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    while (j < rows.size() && rows[j].lease_seq == rows[i].lease_seq) ++j;
    ReserveRowsLocked(std::span<const lease_store::AllocationRow>(rows).subspan(i, j - i));
    i = j;
  }
  synced_through_ = changes.latest;
  return Status::Ok();
}

void LeaseService::ReserveRowsLocked(std::span<const lease_store::AllocationRow> rows) {
  if (rows.empty()) return;
  const lease_store::AllocationRow& first = rows.front();
  const auto key = static_cast<placement::ReservationId>(first.reservation);
  keys_by_seq_[first.lease_seq] = key;
  calendar_->Unreserve(key);
  if (first.end.unix_seconds() <= calendar_->horizon()) return;
  std::vector<placement::Allocation> allocations;
  for (const lease_store::AllocationRow& row : rows) {
    std::optional<placement::NodeIndex> node = calendar_world_->topology.FindNode(row.node.str());
    // A node no longer in the fleet holds nothing placement could use.
    if (node) allocations.push_back({*node, row.gpus});
  }
  if (allocations.empty()) return;
  Result<Interval> interval = Interval::Make(first.start, first.end);
  if (!interval.ok()) return;
  // Refused only when the fleet shrank under committed leases; the store still
  // holds them and re-checks every new allocation against them.
  (void)calendar_->Reserve(key, *interval, allocations);
}

Status LeaseService::ApplyLeaseLocked(const Lease& lease) {
  const auto key = static_cast<placement::ReservationId>(lease.reservation);
  keys_by_seq_[lease.seq] = key;
  calendar_->Unreserve(key);
  if (!KeepsAllocations(lease.state) || !lease.placement) return Status::Ok();
  const LeasePlacement& p = *lease.placement;
  if (p.end.unix_seconds() <= calendar_->horizon() || p.end <= p.start) return Status::Ok();
  std::vector<placement::Allocation> allocations;
  for (const NodeAllocation& a : p.allocations) {
    std::optional<placement::NodeIndex> node = calendar_world_->topology.FindNode(a.node.str());
    if (node) allocations.push_back({*node, a.gpus});
  }
  if (allocations.empty()) return Status::Ok();
  STRAITS_ASSIGN_OR_RETURN(Interval interval, Interval::Make(p.start, p.end));
  return calendar_->Reserve(key, interval, allocations);
}

Status LeaseService::SyncCalendarLocked() {
  STRAITS_ASSIGN_OR_RETURN(lease_store::CapacityChanges changes,
                           deps_.leases.CapacityChangesSince(synced_through_));
  if (changes.latest <= synced_through_) return Status::Ok();
  std::set<int64_t> reload;
  for (const auto& [log_seq, lease_seq] : changes.changes) {
    if (std::find(own_changes_.begin(), own_changes_.end(), log_seq) == own_changes_.end()) {
      reload.insert(lease_seq);
    }
  }
  for (int64_t lease_seq : reload) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<lease_store::AllocationRow> rows,
                             deps_.leases.AllocationsOf(lease_seq));
    if (rows.empty()) {
      auto it = keys_by_seq_.find(lease_seq);
      if (it != keys_by_seq_.end()) calendar_->Unreserve(it->second);
    } else {
      ReserveRowsLocked(rows);
    }
  }
  synced_through_ = changes.latest;
  std::erase_if(own_changes_, [&](int64_t seq) { return seq <= synced_through_; });
  return Status::Ok();
}

void LeaseService::NoteOwnChangeLocked(int64_t change) {
  if (change > synced_through_) own_changes_.push_back(change);
}

// ---- Shared helpers ----

Result<Lease> LeaseService::Visible(const LeaseId& id, const Actor& actor) {
  Result<Lease> lease = deps_.leases.GetLease(id);
  if (!lease.ok()) return lease.status();
  if (!actor.Sees(lease->spec.tenant)) {
    return NotFound("no lease \"" + id.str() + "\"", "id");
  }
  return lease;
}

Result<std::optional<Outcome>> LeaseService::Replayed(const Actor& actor,
                                                      const Idempotency& idempotency) {
  if (idempotency.key.empty()) return std::optional<Outcome>();
  STRAITS_ASSIGN_OR_RETURN(auto found, deps_.leases.FindIdempotent(actor.scope, idempotency.key));
  if (!found) return std::optional<Outcome>();
  if (found->first != idempotency.fingerprint) {
    return InvalidArgument("Idempotency-Key \"" + idempotency.key +
                               "\" was already used for a different request; use a new key for "
                               "a new request",
                           "Idempotency-Key");
  }
  Outcome out;
  out.status = found->second.status;
  out.body = found->second.body;
  out.replayed = true;
  return std::optional<Outcome>(std::move(out));
}

std::optional<lease_store::IdempotencyInput> LeaseService::KeyFor(const Actor& actor,
                                                                  const Idempotency& idempotency,
                                                                  int status) {
  if (idempotency.key.empty()) return std::nullopt;
  return lease_store::IdempotencyInput{actor.scope, idempotency.key, idempotency.fingerprint,
                                       status};
}

Result<Evaluated> LeaseService::EvaluatePlaced(const World& w, const Lease& lease, Instant date) {
  if (!lease.placement) return FailedPrecondition("lease " + lease.id.str() + " is not placed");
  std::optional<placement::SiteIndex> site = w.topology.FindSite(lease.placement->site.str());
  std::optional<placement::ModelIndex> model = w.topology.FindModel(lease.placement->model.str());
  if (!site || !model) {
    return FailedPrecondition("lease " + lease.id.str() + " is placed at " +
                              lease.placement->site.str() + " on " + lease.placement->model.str() +
                              ", which the fleet no longer has");
  }
  Evaluated out;
  LeaseSpec spec = lease.spec;
  spec.gpus = lease.placement->gpus();
  STRAITS_RETURN_IF_ERROR(Evaluate(deps_.policy, screener_, w, spec, *site, *model, date, out));
  return out;
}

// ---- Request ----

Result<Outcome> LeaseService::Request(const LeaseSpec& spec, const Actor& actor,
                                      Idempotency idempotency) {
  STRAITS_RETURN_IF_ERROR(ValidateSpec(spec));
  if (!actor.Sees(spec.tenant)) {
    return PermissionDenied("a token of " + actor.org->str() +
                            " may request leases only for that organization, not " +
                            spec.tenant.str());
  }
  if (!idempotency.key.empty() && idempotency.fingerprint.empty()) {
    idempotency.fingerprint = auth::Sha256Hex("lease.request\n" + Serialize(SpecToJson(spec)));
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<Outcome> replay, Replayed(actor, idempotency));
  if (replay) return std::move(*replay);
  Status last = Aborted("no attempt made");
  for (int attempt = 0; attempt <= options_.conflict_retries; ++attempt) {
    bool retry = false;
    Result<Outcome> out = RequestOnce(spec, actor, idempotency, retry);
    if (!retry) return out;
    last = out.status();
  }
  return Aborted("other leases kept taking the chosen GPUs (" + last.message() + "); try again");
}

Result<Outcome> LeaseService::RequestOnce(const LeaseSpec& spec, const Actor& actor,
                                          const Idempotency& idempotency, bool& retry) {
  retry = false;
  const Instant now = deps_.clock.Now();
  std::shared_ptr<const World> w = world();
  const fleet::Organization* tenant = w->FindOrg(spec.tenant);
  if (!tenant) return NotFound("no organization \"" + spec.tenant.str() + "\"", "tenant");
  if (!tenant->is_tenant) {
    return InvalidArgument("organization \"" + spec.tenant.str() + "\" is not of kind tenant",
                           "tenant");
  }
  placement::Request request;
  request.id = "lease request";
  request.tenant = spec.tenant;
  request.gpus = spec.gpus;
  request.models = spec.models;
  request.constraints.min_tpp = spec.min_tpp;
  request.duration = spec.duration;
  request.earliest_start = std::max(spec.earliest_start, now);
  request.latest_end = spec.latest_end;
  request.scope = spec.scope;
  request.sites = spec.sites;
  request.only_listed_sites = !spec.sites.empty();
  request.max_price_per_gpu_hour = spec.max_price_per_gpu_hour;
  if (spec.latest_end && *spec.latest_end - request.earliest_start < spec.duration) {
    return InvalidArgument("the window ends at " + spec.latest_end->ToString() + ": a lease of " +
                               spec.duration.ToString() + " starting now (" + now.ToString() +
                               ") would end after it",
                           "latest_end");
  }
  Result<placement::CompiledRequest> compiled = placement::CompileRequest(request, w->topology);
  if (!compiled.ok()) return RenameField(compiled.status());

  // Compliance per candidate (site, model), on the first day the GPUs could be used.
  const Instant date = request.earliest_start;
  std::vector<Evaluated> candidates;
  for (placement::SiteIndex s = 0; s < w->topology.num_sites(); ++s) {
    if (compiled->only_listed_sites && compiled->site_rank[static_cast<size_t>(s)] < 0) continue;
    for (placement::ModelIndex m : compiled->models) {
      if (w->topology.SiteModelGpus(s, m) == 0) continue;
      Evaluated e;
      STRAITS_RETURN_IF_ERROR(Evaluate(deps_.policy, screener_, *w, spec, s, m, date, e));
      candidates.push_back(std::move(e));
    }
  }
  const bool any = !candidates.empty();
  bool all_prohibited = any;
  bool any_review = false;
  for (const Evaluated& e : candidates) {
    all_prohibited = all_prohibited && e.verdict() == policy::Verdict::kProhibited;
    any_review = any_review || (e.verdict() != policy::Verdict::kAllowed &&
                                e.verdict() != policy::Verdict::kProhibited);
  }

  Lease lease;
  lease.spec = spec;
  lease.created_at = lease.updated_at = now;
  lease.created_by = actor.name;
  std::vector<DecisionRecord> decisions;
  std::vector<std::string> reasons;
  json::object detail;

  auto commit = [&](Lease& record) -> Result<Outcome> {
    const int status = 201;
    LeaseWrite write;
    write.lease = record;
    write.create = true;
    write.decisions = decisions;
    Lease before;
    write.audit = {now, actor.name, "lease.request", AuditDetail(before, record, detail)};
    write.idempotency = KeyFor(actor, idempotency, status);
    write.render = [reasons](const Lease& stored) { return LeaseBody(stored, reasons); };
    std::vector<LeaseWrite> writes;
    writes.push_back(std::move(write));
    Result<Written> written = std::move(Commit(std::move(writes)).front());
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!written.ok() || written->replay) {
        // The tentative reservation made while placing goes; nothing was written.
        if (record.reservation != 0 && calendar_world_ == w) {
          calendar_->Unreserve(static_cast<placement::ReservationId>(record.reservation));
        }
      } else {
        keys_by_seq_[written->lease.seq] =
            static_cast<placement::ReservationId>(written->lease.reservation);
        NoteOwnChangeLocked(written->capacity_change);
      }
      if (!written.ok() && written.status().code() == StatusCode::kAborted) {
        retry = true;
        (void)SyncCalendarLocked();
      }
    }
    if (!written.ok()) return written.status();
    Outcome out;
    if (written->replay) {
      out.status = written->replay->status;
      out.body = written->replay->body;
      out.replayed = true;
      return out;
    }
    out.status = status;
    out.body = LeaseBody(written->lease, reasons);
    out.lease = written->lease;
    out.reasons = reasons;
    return out;
  };

  if (all_prohibited) {
    // Every site and model that could host it is prohibited: a denial on record.
    // Reasons: the prohibiting rules first, then the others that fired.
    std::set<std::string> seen;
    std::vector<std::string> others;
    for (const Evaluated& e : candidates) {
      if (decisions.size() < 16) decisions.push_back(ToRecord(*w, e, "request", now));
      std::vector<std::string> summaries = HitSummaries(e.decision);
      size_t i = 0;
      for (const policy::Hit& hit : e.decision.hits()) {
        std::string& s = summaries[i++];
        if (!seen.insert(s).second) continue;
        (hit.verdict == policy::Verdict::kProhibited ? reasons : others).push_back(std::move(s));
      }
    }
    const size_t prohibiting = reasons.size();
    for (std::string& s : others) reasons.push_back(std::move(s));
    lease.state = *Next(State::kRequested, Event::kPlaceProhibited);
    lease.verdict = lease.accepted_verdict = policy::Verdict::kProhibited;
    lease.reason = "prohibited at every candidate site: " +
                   (prohibiting == 0 ? std::string("(no rule text)") : reasons.front());
    detail["rules"] = RuleIds(candidates.front().decision);
    return commit(lease);
  }

  // Place: first where the verdict is allowed, then where it needs review.
  std::optional<placement::Decision> decision;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (calendar_world_ != w) return Unavailable("the fleet is being reloaded; retry");
    STRAITS_RETURN_IF_ERROR(SyncCalendarLocked());
    oracle_->Reset(w->topology.num_sites(), w->topology.num_models());
    for (const Evaluated& e : candidates) {
      oracle_->Set(e.site, e.model, e.verdict(), Summary(e.decision));
    }
    const placement::DecideOptions options{.now = now, .explain = true, .reasons = true};
    oracle_->set_threshold(policy::Verdict::kAllowed);
    decision = engine_->Decide(*compiled, *calendar_, options);
    if (!decision->placed() && any_review) {
      oracle_->set_threshold(policy::Verdict::kLicenseRequired);
      decision = engine_->Decide(*compiled, *calendar_, options);
    }
    if (decision->placed()) {
      lease.reservation = static_cast<int64_t>(NewReservationKey());
      STRAITS_RETURN_IF_ERROR(
          engine_->Reserve(static_cast<placement::ReservationId>(lease.reservation),
                           *decision->placement, *calendar_));
    }
  }
  if (!decision->placed()) {
    Outcome out;
    out.status = 409;
    json::array site_reasons;
    for (const placement::SiteReason& r : decision->reasons) {
      out.reasons.push_back(ReasonText(w->topology, r));
      site_reasons.push_back(ReasonJson(w->topology, r));
    }
    out.refusal = "no site can host " + std::to_string(spec.gpus) + " GPUs for " +
                  spec.duration.ToString() + " between " + request.earliest_start.ToString() +
                  " and " + (spec.latest_end ? spec.latest_end->ToString() : "any later time") +
                  "; the reason for every site is listed";
    out.body = Serialize(json::object{{"error", json::object{{"code", "failed_precondition"},
                                                             {"message", out.refusal},
                                                             {"field", "gpus"}}},
                                      {"reasons", std::move(site_reasons)}});
    return out;
  }

  const placement::Placement& placed = *decision->placement;
  LeasePlacement p;
  p.site = w->topology.site(placed.site).id;
  p.model = w->topology.model(placed.model).id;
  p.start = Instant::FromUnixSeconds(placed.start);
  p.end = Instant::FromUnixSeconds(placed.end);
  for (const placement::Allocation& a : placed.allocations) {
    p.allocations.push_back({w->topology.node(a.node).id, a.gpus});
  }
  std::sort(p.allocations.begin(), p.allocations.end(),
            [](const NodeAllocation& a, const NodeAllocation& b) { return a.node < b.node; });
  // The rate card's own price (in the site's currency) on the start date.
  if (deps_.rates) {
    Result<const billing::RateCardEntry*> entry = deps_.rates->Find(p.site, p.model, p.start);
    if (entry.ok()) p.price_per_gpu_hour = (*entry)->price_per_gpu_hour;
  }
  lease.placement = std::move(p);

  // The decision that counts is the one on the placed start.
  Evaluated final_eval;
  Evaluated* chosen = nullptr;
  for (Evaluated& e : candidates) {
    if (e.site == placed.site && e.model == placed.model) chosen = &e;
  }
  if (!chosen || chosen->date != lease.placement->start) {
    LeaseSpec placed_spec = spec;
    Status s = Evaluate(deps_.policy, screener_, *w, placed_spec, placed.site, placed.model,
                        lease.placement->start, final_eval);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      calendar_->Unreserve(static_cast<placement::ReservationId>(lease.reservation));
      return s;
    }
    chosen = &final_eval;
  }
  const policy::Verdict verdict = chosen->verdict();
  decisions.push_back(ToRecord(*w, *chosen, "request", now));
  reasons = HitSummaries(chosen->decision);
  detail["rules"] = RuleIds(chosen->decision);
  lease.verdict = lease.accepted_verdict = verdict;
  lease.state = *Next(State::kRequested, PlacementEvent(verdict));
  switch (lease.state) {
    case State::kPendingReview:
      lease.hold_until = now + options_.review_hold;
      lease.reason = "needs review (" + std::string(policy::VerdictName(verdict)) +
                     "): " + Summary(chosen->decision);
      break;
    case State::kDenied:
      // The regimes in force on the placed start prohibit it.
      lease.reason = Summary(chosen->decision);
      lease.placement.reset();
      {
        std::lock_guard<std::mutex> lock(mu_);
        calendar_->Unreserve(static_cast<placement::ReservationId>(lease.reservation));
      }
      break;
    default:
      break;
  }
  return commit(lease);
}

// ---- Transitions ----

Result<Outcome> LeaseService::Transition(const LeaseId& id, const Actor& actor,
                                         Idempotency idempotency, std::string_view action,
                                         const ChangeFn& change) {
  if (!idempotency.key.empty() && idempotency.fingerprint.empty()) {
    idempotency.fingerprint = auth::Sha256Hex(std::string(action) + "\n" + id.str());
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<Outcome> replay, Replayed(actor, idempotency));
  if (replay) return std::move(*replay);
  Status last;
  for (int attempt = 0; attempt <= options_.conflict_retries; ++attempt) {
    STRAITS_ASSIGN_OR_RETURN(Lease current, Visible(id, actor));
    const Instant now = deps_.clock.Now();
    Lease next = current;
    std::vector<DecisionRecord> decisions;
    json::object detail;
    STRAITS_ASSIGN_OR_RETURN(Event event, change(current, next, decisions, detail, now));
    std::optional<State> to = Next(current.state, event);
    if (!to) return RefusedTransition(current.id, current.state, event);
    next.state = *to;
    next.updated_at = now;
    if (!HoldsCapacity(next.state) || next.state != State::kPendingReview) {
      if (next.state != State::kPendingReview) next.hold_until.reset();
    }
    detail["event"] = EventName(event);

    // Growth of the capacity held is reserved in the calendar before committing.
    const bool grows = next.placement && current.placement && HoldsCapacity(next.state) &&
                       next.placement->end > current.placement->end;
    if (grows) {
      std::lock_guard<std::mutex> lock(mu_);
      STRAITS_RETURN_IF_ERROR(SyncCalendarLocked());
      Status reserved = ApplyLeaseLocked(next);
      if (!reserved.ok()) {
        (void)ApplyLeaseLocked(current);
        return FailedPrecondition("the nodes of " + current.id.str() + " are not free from " +
                                      current.placement->end.ToString() + " to " +
                                      next.placement->end.ToString() +
                                      " (another lease holds some of their GPUs)",
                                  "to");
      }
    }
    const int status = 200;
    LeaseWrite write;
    write.lease = next;
    write.expected_version = current.version;
    write.decisions = std::move(decisions);
    write.audit = {now, actor.name, std::string(action), AuditDetail(current, next, detail)};
    write.idempotency = KeyFor(actor, idempotency, status);
    write.render = [](const Lease& stored) { return LeaseBody(stored, {}); };
    std::vector<LeaseWrite> writes;
    writes.push_back(std::move(write));
    Result<Written> written = std::move(Commit(std::move(writes)).front());
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (written.ok() && !written->replay) {
        (void)ApplyLeaseLocked(written->lease);
        NoteOwnChangeLocked(written->capacity_change);
      } else if (grows) {
        (void)ApplyLeaseLocked(current);
      }
    }
    if (!written.ok()) {
      last = written.status();
      if (written.status().code() == StatusCode::kAborted) continue;
      return written.status();
    }
    Outcome out;
    if (written->replay) {
      out.status = written->replay->status;
      out.body = written->replay->body;
      out.replayed = true;
      return out;
    }
    out.status = status;
    out.body = LeaseBody(written->lease, {});
    out.lease = written->lease;
    return out;
  }
  return Aborted("lease " + id.str() + " kept changing concurrently (" + last.message() +
                 "); try again");
}

Result<Outcome> LeaseService::Approve(const LeaseId& id, const std::string& reason,
                                      const std::string& license, const Actor& actor,
                                      Idempotency idempotency) {
  if (actor.tenant()) {
    return PermissionDenied("approving leases is for compliance officers, not tenant tokens");
  }
  if (reason.empty()) return InvalidArgument("give the reason for the approval", "reason");
  if (!idempotency.key.empty() && idempotency.fingerprint.empty()) {
    idempotency.fingerprint =
        auth::Sha256Hex("lease.approve\n" + id.str() + "\n" + reason + "\n" + license);
  }
  std::shared_ptr<const World> w = world();
  return Transition(
      id, actor, idempotency, "lease.approve",
      [&](const Lease& current, Lease& next, std::vector<DecisionRecord>& decisions,
          json::object& detail, Instant now) -> Result<Event> {
        if (!Next(current.state, Event::kApprove)) {
          return RefusedTransition(current.id, current.state, Event::kApprove);
        }
        if (current.state == State::kPendingReview && current.hold_until &&
            *current.hold_until <= now) {
          return FailedPrecondition("the review hold of " + current.id.str() + " ran out at " +
                                        current.hold_until->ToString() +
                                        "; its capacity is released (request it again)",
                                    "state");
        }
        const Instant date = std::max(now, current.placement ? current.placement->start : now);
        STRAITS_ASSIGN_OR_RETURN(Evaluated e, EvaluatePlaced(*w, current, date));
        const policy::Verdict v = e.verdict();
        decisions.push_back(ToRecord(*w, e, "approval", now));
        if (v == policy::Verdict::kProhibited) {
          return FailedPrecondition("cannot approve " + current.id.str() +
                                        ": the verdict is now prohibited: " + Summary(e.decision),
                                    "state");
        }
        if (v == policy::Verdict::kLicenseRequired && license.empty()) {
          return InvalidArgument("the verdict is license_required (" + Summary(e.decision) +
                                     "): give the license or permit number",
                                 "license");
        }
        next.verdict = next.accepted_verdict = v;
        next.reason = reason;
        next.license = license;
        next.reviewed_by = actor.name;
        detail["rules"] = RuleIds(e.decision);
        if (!license.empty()) detail["license"] = license;
        return Event::kApprove;
      });
}

Result<Outcome> LeaseService::Deny(const LeaseId& id, const std::string& reason, const Actor& actor,
                                   Idempotency idempotency) {
  if (actor.tenant()) {
    return PermissionDenied("denying leases is for compliance officers, not tenant tokens");
  }
  if (reason.empty()) return InvalidArgument("give the reason for the denial", "reason");
  if (!idempotency.key.empty() && idempotency.fingerprint.empty()) {
    idempotency.fingerprint = auth::Sha256Hex("lease.deny\n" + id.str() + "\n" + reason);
  }
  return Transition(id, actor, idempotency, "lease.deny",
                    [&](const Lease& current, Lease& next, std::vector<DecisionRecord>&,
                        json::object&, Instant now) -> Result<Event> {
                      next.reason = reason;
                      next.reviewed_by = actor.name;
                      // A held lease that already started ends now.
                      if (current.state == State::kComplianceHold && current.placement &&
                          current.placement->start <= now) {
                        next.placement->end = std::min(current.placement->end, now);
                        return Event::kTerminate;
                      }
                      if (!Next(current.state, Event::kDeny)) {
                        return RefusedTransition(current.id, current.state, Event::kDeny);
                      }
                      return Event::kDeny;
                    });
}

Result<Outcome> LeaseService::Cancel(const LeaseId& id, const Actor& actor,
                                     Idempotency idempotency) {
  return Transition(id, actor, idempotency, "lease.cancel",
                    [&](const Lease& current, Lease& next, std::vector<DecisionRecord>&,
                        json::object&, Instant now) -> Result<Event> {
                      const bool started = current.state == State::kActive ||
                                           (current.state == State::kComplianceHold &&
                                            current.placement && current.placement->start <= now);
                      if (started) {
                        next.placement->end = std::max(current.placement->start,
                                                       std::min(current.placement->end, now));
                        next.reason = "terminated by " + actor.name;
                        return Event::kTerminate;
                      }
                      next.reason = "cancelled by " + actor.name;
                      return Event::kCancel;
                    });
}

Result<Outcome> LeaseService::Extend(const LeaseId& id, Instant new_end, const Actor& actor,
                                     Idempotency idempotency) {
  if (!idempotency.key.empty() && idempotency.fingerprint.empty()) {
    idempotency.fingerprint =
        auth::Sha256Hex("lease.extend\n" + id.str() + "\n" + new_end.ToString());
  }
  return Transition(id, actor, idempotency, "lease.extend",
                    [&](const Lease& current, Lease& next, std::vector<DecisionRecord>&,
                        json::object& detail, Instant now) -> Result<Event> {
                      if (!Next(current.state, Event::kExtend)) {
                        return RefusedTransition(current.id, current.state, Event::kExtend);
                      }
                      if (!current.placement)
                        return FailedPrecondition("lease " + id.str() + " is not placed");
                      if (new_end <= current.placement->end || new_end <= now) {
                        return InvalidArgument("the new end must be after the current end " +
                                                   current.placement->end.ToString() +
                                                   " and after now",
                                               "to");
                      }
                      detail["previous_end"] = current.placement->end.ToString();
                      next.placement->end = new_end;
                      return Event::kExtend;
                    });
}

// ---- Reads ----

Result<Lease> LeaseService::Get(const LeaseId& id, const Actor& actor) {
  return Visible(id, actor);
}

Result<store::Page<Lease>> LeaseService::List(lease_store::LeaseFilter filter,
                                              const store::PageRequest& page, const Actor& actor) {
  if (actor.tenant()) {
    if (filter.tenant && !actor.Sees(*filter.tenant)) {
      return PermissionDenied("a token of " + actor.org->str() +
                              " sees only that organization's leases and those of the "
                              "subsidiaries it was granted");
    }
    if (!filter.tenant) {
      filter.tenants = actor.granted;
      filter.tenants.push_back(*actor.org);
    }
  }
  return deps_.leases.ListLeases(filter, page);
}

Result<std::vector<DecisionRecord>> LeaseService::Decisions(const LeaseId& id, const Actor& actor) {
  STRAITS_ASSIGN_OR_RETURN(Lease lease, Visible(id, actor));
  return deps_.leases.Decisions(lease.id);
}

Result<std::vector<Lease>> LeaseService::Holds(const Actor& actor) {
  if (actor.tenant()) {
    return PermissionDenied("the compliance holds report is for compliance officers");
  }
  const State states[] = {State::kComplianceHold};
  return deps_.leases.ListInStates(states);
}

Result<SiteCalendar> LeaseService::Calendar(const SiteId& site, Instant from, Instant to,
                                            const Actor& actor) {
  if (to <= from) return InvalidArgument("must be after from", "to");
  if (to - from > Duration::Days(366)) {
    return InvalidArgument("at most 366 days per request", "to");
  }
  std::shared_ptr<const World> w = world();
  std::optional<placement::SiteIndex> index = w->topology.FindSite(site.str());
  if (!index) return NotFound("no site \"" + site.str() + "\"", "id");
  STRAITS_ASSIGN_OR_RETURN(auto rows, deps_.leases.SiteAllocations(site, from, to));
  SiteCalendar out;
  out.site = site;
  out.from = from;
  out.to = to;
  std::unordered_map<std::string, size_t> node_pos;
  const placement::SiteInfo& info = w->topology.site(*index);
  for (placement::NodeIndex n = info.first_node; n < info.end_node; ++n) {
    const placement::NodeInfo& node = w->topology.node(n);
    node_pos[node.id.str()] = out.nodes.size();
    out.nodes.push_back({node.id,
                         w->topology.pod(node.pod).id,
                         w->topology.model(node.model).id,
                         node.gpus,
                         {},
                         {}});
  }
  // Tenants see their own lease ids; others' bookings show as anonymous use.
  std::unordered_map<int64_t, bool> own;
  for (const auto& [lease_id, row] : rows) {
    auto pos = node_pos.find(row.node.str());
    if (pos == node_pos.end()) continue;
    std::optional<LeaseId> shown = lease_id;
    if (actor.tenant()) {
      auto cached = own.find(row.lease_seq);
      if (cached == own.end()) {
        Result<Lease> l = deps_.leases.GetLease(lease_id);
        cached = own.emplace(row.lease_seq, l.ok() && actor.Sees(l->spec.tenant)).first;
      }
      if (!cached->second) shown.reset();
    }
    out.nodes[pos->second].bookings.push_back(
        {shown, std::max(row.start, from), std::min(row.end, to), row.gpus});
  }
  for (SiteCalendar::Node& node : out.nodes) {
    std::map<int64_t, int32_t> deltas;
    for (const SiteCalendar::Booking& b : node.bookings) {
      deltas[b.start.unix_seconds()] += b.gpus;
      deltas[b.end.unix_seconds()] -= b.gpus;
    }
    int32_t used = 0;
    node.use.emplace_back(from, 0);
    for (const auto& [t, d] : deltas) {
      used += d;
      if (node.use.back().first.unix_seconds() == t) {
        node.use.back().second = used;
      } else if (node.use.back().second != used) {
        node.use.emplace_back(Instant::FromUnixSeconds(t), used);
      }
    }
  }
  return out;
}

Result<lease_store::AuditVerification> LeaseService::VerifyAudit(const Actor& actor) {
  if (actor.tenant()) return PermissionDenied("the audit trail is for compliance officers");
  return deps_.leases.VerifyAudit();
}

Status LeaseService::ExportAudit(std::optional<Instant> from, std::optional<Instant> to,
                                 const std::function<bool(const lease_store::AuditEntry&)>& visit,
                                 const Actor& actor) {
  if (actor.tenant()) return PermissionDenied("the audit trail is for compliance officers");
  return deps_.leases.ListAudit(from, to, visit);
}

// ---- Clock ----

Result<std::vector<LeaseWrite>> LeaseService::DueWrites(const World& w, const Lease& lease,
                                                        Instant now) {
  std::vector<LeaseWrite> writes;
  Lease current = lease;
  auto emit = [&](Event event, Lease next, std::string action, json::object detail,
                  std::vector<DecisionRecord> decisions) {
    std::optional<State> to = Next(current.state, event);
    if (!to) return false;
    next.state = *to;
    next.updated_at = now;
    if (next.state != State::kPendingReview) next.hold_until.reset();
    detail["event"] = EventName(event);
    LeaseWrite write;
    write.lease = next;
    write.expected_version = current.version;
    write.decisions = std::move(decisions);
    write.audit = {now, std::string(kSystemActor), std::move(action),
                   AuditDetail(current, next, std::move(detail))};
    writes.push_back(std::move(write));
    next.version = current.version + 1;
    current = std::move(next);
    return true;
  };
  if (current.state == State::kScheduled && current.placement && current.placement->start <= now) {
    // Activation: the regimes in force today decide, not those of the request.
    Result<Evaluated> e = EvaluatePlaced(w, current, now);
    Lease next = current;
    json::object detail;
    if (!e.ok()) {
      next.reason = "held at activation: " + e.status().message();
      emit(Event::kHold, next, "lease.hold", std::move(detail), {});
      return writes;
    }
    const policy::Verdict v = e->verdict();
    next.verdict = v;
    detail["rules"] = RuleIds(e->decision);
    std::vector<DecisionRecord> decisions = {ToRecord(w, *e, "activation", now)};
    if (v > current.accepted_verdict) {
      next.reason = "held at activation: the verdict is " + std::string(policy::VerdictName(v)) +
                    ", stricter than the " +
                    std::string(policy::VerdictName(current.accepted_verdict)) +
                    " it was accepted under: " + Summary(e->decision);
      emit(Event::kHold, next, "lease.hold", std::move(detail), std::move(decisions));
      return writes;
    }
    emit(Event::kStart, next, "lease.activate", std::move(detail), std::move(decisions));
  }
  if (current.state == State::kActive && current.placement && current.placement->end <= now) {
    Lease next = current;
    emit(Event::kFinish, next, "lease.complete", {}, {});
  } else if (current.state == State::kPendingReview &&
             ((current.hold_until && *current.hold_until <= now) ||
              (current.placement && current.placement->end <= now))) {
    Lease next = current;
    next.reason = current.hold_until && *current.hold_until <= now
                      ? "no review before the hold ran out at " + current.hold_until->ToString() +
                            "; capacity released"
                      : "its end passed before a review; capacity released";
    emit(Event::kExpire, next, "lease.expire", {}, {});
  } else if (current.state == State::kComplianceHold && current.placement &&
             current.placement->end <= now) {
    Lease next = current;
    next.reason = "its end passed while on compliance hold";
    emit(Event::kExpire, next, "lease.expire", {}, {});
  }
  return writes;
}

Result<int> LeaseService::Tick() {
  const Instant now = deps_.clock.Now();
  bool orgs_changed = false;
  if (now >= next_world_check_) {
    STRAITS_ASSIGN_OR_RETURN(auto prints, WorldFingerprints(deps_.store));
    std::shared_ptr<const World> w = world();
    const bool fleet_changed = prints.first != w->fleet_fingerprint;
    orgs_changed = prints.second != w->org_fingerprint;
    if (fleet_changed || orgs_changed) {
      STRAITS_RETURN_IF_ERROR(LoadWorld());
      // The calendar and engine belong to one world (the engine refers to its
      // topology), so an organization change rebuilds them too; otherwise
      // requests would find them out of step and be told to retry forever.
      STRAITS_RETURN_IF_ERROR(RebuildCalendar());
    } else {
      next_world_check_ = now + options_.world_check_interval;
    }
    std::lock_guard<std::mutex> lock(mu_);
    // Keep the calendar short: nothing before the last hour is searched again.
    calendar_->ForgetBefore((now - Duration::Hours(1)).unix_seconds());
  }
  std::shared_ptr<const World> w = world();
  STRAITS_ASSIGN_OR_RETURN(std::vector<Lease> due, deps_.leases.ListDue(now));
  std::vector<LeaseWrite> writes;
  int moved = 0;
  for (const Lease& lease : due) {
    STRAITS_ASSIGN_OR_RETURN(std::vector<LeaseWrite> more, DueWrites(*w, lease, now));
    if (!more.empty()) ++moved;
    for (LeaseWrite& write : more) writes.push_back(std::move(write));
  }
  if (!writes.empty()) {
    std::vector<Result<Written>> results = Commit(std::move(writes));
    std::lock_guard<std::mutex> lock(mu_);
    for (const Result<Written>& r : results) {
      // A lease another process moved first is left to it (aborted).
      if (!r.ok()) continue;
      (void)ApplyLeaseLocked(r->lease);
      NoteOwnChangeLocked(r->capacity_change);
    }
  }
  if (orgs_changed) {
    STRAITS_ASSIGN_OR_RETURN(ReevaluationReport report,
                             Reevaluate("organizations changed (ownership, names or headquarters)",
                                        Actor{std::string(kSystemActor), "system", {}}));
    moved += static_cast<int>(report.held.size());
  }
  return moved;
}

Result<ReevaluationReport> LeaseService::Reevaluate(const std::string& why, const Actor& actor) {
  if (actor.tenant()) return PermissionDenied("re-evaluation is for compliance officers");
  const Instant now = deps_.clock.Now();
  std::shared_ptr<const World> w = world();
  const State states[] = {State::kScheduled, State::kActive};
  STRAITS_ASSIGN_OR_RETURN(std::vector<Lease> leases, deps_.leases.ListInStates(states));
  ReevaluationReport report;
  std::vector<LeaseWrite> writes;
  for (const Lease& lease : leases) {
    if (!lease.placement) continue;
    ++report.evaluated;
    const Instant date = std::max(now, lease.placement->start);
    Result<Evaluated> e = EvaluatePlaced(*w, lease, date);
    Lease next = lease;
    json::object detail{{"why", why}, {"event", EventName(Event::kHold)}};
    std::vector<DecisionRecord> decisions;
    if (e.ok()) {
      if (e->verdict() <= lease.accepted_verdict) continue;
      next.verdict = e->verdict();
      next.reason = "held on re-evaluation after " + why + ": the verdict is " +
                    std::string(policy::VerdictName(e->verdict())) + ", stricter than the " +
                    std::string(policy::VerdictName(lease.accepted_verdict)) +
                    " it was accepted under: " + Summary(e->decision);
      detail["rules"] = RuleIds(e->decision);
      decisions.push_back(ToRecord(*w, *e, "reevaluation", now));
    } else {
      next.reason = "held on re-evaluation after " + why + ": " + e.status().message();
    }
    next.state = *Next(lease.state, Event::kHold);
    next.updated_at = now;
    LeaseWrite write;
    write.lease = next;
    write.expected_version = lease.version;
    write.decisions = std::move(decisions);
    write.audit = {now, actor.name, "lease.hold", AuditDetail(lease, next, std::move(detail))};
    writes.push_back(std::move(write));
  }
  if (writes.empty()) return report;
  std::vector<Result<Written>> results = Commit(std::move(writes));
  for (const Result<Written>& r : results) {
    if (r.ok() && !r->replay) report.held.push_back(r->lease.id);
  }
  return report;
}

// ---- Introspection for tests ----

std::optional<int32_t> LeaseService::CalendarUse(const NodeId& node, Instant t) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!SyncCalendarLocked().ok()) return std::nullopt;
  std::optional<placement::NodeIndex> index = calendar_world_->topology.FindNode(node.str());
  if (!index) return std::nullopt;
  return calendar_->UsedAt(*index, t.unix_seconds());
}

std::map<std::string, std::vector<std::pair<int64_t, int32_t>>> LeaseService::CalendarPoints(
    Instant from) {
  std::lock_guard<std::mutex> lock(mu_);
  (void)SyncCalendarLocked();
  std::map<std::string, std::vector<std::pair<int64_t, int32_t>>> out;
  const placement::Topology& topology = calendar_world_->topology;
  for (placement::NodeIndex n = 0; n < topology.num_nodes(); ++n) {
    std::vector<std::pair<int64_t, int32_t>> points;
    const int32_t at_from = calendar_->UsedAt(n, from.unix_seconds());
    if (at_from != 0) points.emplace_back(from.unix_seconds(), at_from);
    for (const placement::ChangePoint& p : calendar_->Points(n)) {
      if (p.time > from.unix_seconds()) points.emplace_back(p.time, p.used);
    }
    if (!points.empty()) out[topology.node(n).id.str()] = std::move(points);
  }
  return out;
}

}  // namespace straits::lease

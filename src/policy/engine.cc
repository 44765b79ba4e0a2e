#include "policy/engine.h"

#include <algorithm>

namespace straits::policy {

ItemFacts ItemFacts::FromSpec(const catalog::AcceleratorSpec& spec) {
  ItemFacts item;
  item.model = spec.DisplayId();
  item.vendor = spec.vendor;
  item.origin = spec.country_of_origin;
  item.figures = catalog::ComputeFigures(spec);
  if (item.figures.tpp) item.tpp = *item.figures.tpp;
  if (item.figures.performance_density) item.pd = *item.figures.performance_density;
  if (spec.memory_bandwidth_gbps) item.memory_bandwidth_gbps = *spec.memory_bandwidth_gbps;
  if (spec.interconnect_bidir_gbps) item.interconnect_gbps = *spec.interconnect_bidir_gbps;
  if (spec.datacenter) {
    item.datacenter = *spec.datacenter ? catalog::Truth::kTrue : catalog::Truth::kFalse;
  }
  item.item_kind = spec.item;
  return item;
}

void Decision::Reset(const Transaction& tx) {
  verdict_ = Verdict::kAllowed;
  undetermined_ = false;
  date_ = tx.date;
  kind_ = tx.kind;
  hit_count_ = 0;
  packs_.clear();
}

Hit& Decision::NextHit() {
  if (hit_count_ == hits_.size()) hits_.emplace_back();
  Hit& hit = hits_[hit_count_++];
  hit.message.clear();
  return hit;
}

Result<Engine> Engine::Create(std::vector<Pack> packs, const catalog::Catalog& catalog) {
  if (packs.size() > kMaxPacks) {
    return InvalidArgument("at most " + std::to_string(kMaxPacks) + " rule packs, found " +
                               std::to_string(packs.size()),
                           "regimes");
  }
  std::stable_sort(packs.begin(), packs.end(), [](const Pack& a, const Pack& b) {
    if (a.effective != b.effective) return a.effective < b.effective;
    return a.id < b.id;
  });
  for (size_t a = 0; a < packs.size(); ++a) {
    for (size_t b = a + 1; b < packs.size(); ++b) {
      if (packs[a].id == packs[b].id) {
        return InvalidArgument("duplicate rule pack id \"" + packs[a].id + "\" (" +
                                   packs[a].source_name + " and " + packs[b].source_name + ")",
                               "regimes");
      }
    }
  }
  Engine engine;
  engine.packs_ = std::move(packs);
  engine.index_.resize(engine.packs_.size());
  for (size_t pack_idx = 0; pack_idx < engine.packs_.size(); ++pack_idx) {
    const Pack& pack = engine.packs_[pack_idx];
    PackIndex& index = engine.index_[pack_idx];
    for (size_t rule_idx = 0; rule_idx < pack.rules.size(); ++rule_idx) {
      for (Kind kind : {Kind::kExport, Kind::kRemoteAccess}) {
        if (pack.rules[rule_idx].AppliesTo(kind)) {
          index.rules_by_kind[static_cast<size_t>(kind)].push_back(static_cast<uint16_t>(rule_idx));
        }
      }
    }
    if (pack.classification) index.thresholds_slot = static_cast<int>(pack_idx);
  }
  // Packs that borrow another pack's thresholds share its ECCN cache slot.
  for (size_t pack_idx = 0; pack_idx < engine.packs_.size(); ++pack_idx) {
    const std::string& named = engine.packs_[pack_idx].thresholds;
    if (named.empty()) continue;
    if (const Pack* owner = engine.FindPack(named);
        owner && owner->classification && owner->thresholds.empty()) {
      engine.index_[pack_idx].thresholds_slot = static_cast<int>(owner - engine.packs_.data());
    }
  }
  engine.items_ = std::make_unique<std::vector<ItemFacts>>();
  engine.items_->reserve(catalog.models().size());
  for (const catalog::AcceleratorSpec& spec : catalog.models()) {
    engine.item_by_id_.emplace(spec.DisplayId(), engine.items_->size());
    engine.items_->push_back(ItemFacts::FromSpec(spec));
  }
  return engine;
}

const Pack* Engine::FindPack(std::string_view id) const {
  for (const Pack& pack : packs_) {
    if (pack.id == id) return &pack;
  }
  return nullptr;
}

const ItemFacts* Engine::FindItem(const ModelId& model) const {
  auto it = item_by_id_.find(model.str());
  return it == item_by_id_.end() ? nullptr : &(*items_)[it->second];
}

Result<PackSelection> Engine::Select(std::span<const std::string> pack_ids, bool only_named) const {
  PackSelection selection;
  selection.only_named = only_named;
  for (const std::string& id : pack_ids) {
    const Pack* pack = FindPack(id);
    if (!pack) {
      std::string known;
      for (const Pack& candidate : packs_) {
        if (!known.empty()) known += ", ";
        known += candidate.id;
      }
      return NotFound("unknown rule pack \"" + id + "\" (known: " + known + ")", "regimes");
    }
    auto index = static_cast<uint16_t>(pack - packs_.data());
    if (std::find(selection.named.begin(), selection.named.end(), index) == selection.named.end()) {
      selection.named.push_back(index);
    }
  }
  return selection;
}

std::vector<const Pack*> Engine::PacksFor(Instant date, const PackSelection& selection) const {
  std::vector<const Pack*> out;
  for (size_t idx = 0; idx < packs_.size(); ++idx) {
    bool named =
        std::find(selection.named.begin(), selection.named.end(), idx) != selection.named.end();
    if (named || (!selection.only_named && packs_[idx].InForceOn(date))) {
      out.push_back(&packs_[idx]);
    }
  }
  return out;
}

namespace {

void AppendUnknowns(uint64_t mask, std::string& out) {
  out += " [undetermined: ";
  bool first = true;
  if (mask & kUnknownEccnBit) {
    out += "eccn() (a classification input is missing)";
    first = false;
  }
  for (const AttrInfo& info : AllAttributes()) {
    if ((mask >> static_cast<int>(info.attr)) & 1) {
      if (!first) out += ", ";
      first = false;
      out += info.path;
      out += " unknown";
    }
  }
  if (first) out += "a fact is unknown";
  out += "; fails closed]";
}

}  // namespace

Status Engine::Evaluate(const Transaction& tx, const PackSelection& selection,
                        Decision& out) const {
  if (!tx.item) return InvalidArgument("transaction has no item", "item");
  out.Reset(tx);
  // ECCN of the item under each pack's thresholds, computed at most once.
  std::array<catalog::EccnVerdict, kMaxPacks> eccn{};
  std::array<bool, kMaxPacks> eccn_ready{};
  const size_t kind_index = static_cast<size_t>(tx.kind);
  for (size_t pack_idx = 0; pack_idx < packs_.size(); ++pack_idx) {
    const Pack& pack = packs_[pack_idx];
    bool chosen = !selection.only_named && pack.InForceOn(tx.date);
    if (!chosen) {
      chosen = std::find(selection.named.begin(), selection.named.end(), pack_idx) !=
               selection.named.end();
    }
    if (!chosen) continue;
    out.packs_.push_back(&pack);
    const PackIndex& index = index_[pack_idx];
    EvalContext ctx;
    ctx.tx = &tx;
    ctx.groups = &pack.groups;
    if (index.thresholds_slot >= 0) {
      ctx.thresholds = &*pack.classification;
      ctx.eccn_slot = &eccn[static_cast<size_t>(index.thresholds_slot)];
      ctx.eccn_ready = &eccn_ready[static_cast<size_t>(index.thresholds_slot)];
    }
    for (uint16_t rule_idx : index.rules_by_kind[kind_index]) {
      const Rule& rule = pack.rules[rule_idx];
      if (!rule.ActiveOn(tx.date)) continue;
      ctx.unknown_mask = 0;
      Truth3 result = rule.condition.Evaluate(ctx);
      if (result == Truth3::kFalse) continue;
      Hit& hit = out.NextHit();
      hit.pack = &pack;
      hit.rule = &rule;
      hit.verdict = rule.verdict;
      hit.undetermined = result == Truth3::kUnknown;
      rule.message.Render(ctx, hit.message);
      if (hit.undetermined) {
        AppendUnknowns(ctx.unknown_mask, hit.message);
        out.undetermined_ = true;
      }
      if (rule.verdict > out.verdict_) out.verdict_ = rule.verdict;
    }
  }
  return Status::Ok();
}

}  // namespace straits::policy

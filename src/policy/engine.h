// The compliance engine: which rule packs are in force on a date, and what
// they say about one transaction, with every rule that fired and why.
//
// Overview. Rule packs (policy/pack.h) are loaded, checked and compiled once;
// the engine indexes their rules by transaction kind and the catalog's
// accelerators as ItemFacts. A decision evaluates every pack in force on the
// transaction's date (effective, or compliance when later, <= date <
// rescinded, outside any suspension; `proposed` packs never) plus any pack
// named explicitly (named packs apply whatever their status or dates), and
// every rule of those packs whose kinds include the transaction's kind and
// whose window contains the date. The decision's verdict is the strictest of
// the rules that fired (allowed < conditions < license_required <
// prohibited); each hit carries its pack, rule, citation, verdict and a
// message naming the facts that made it fire. Every decision lists the ids
// and content hashes of the packs it used.
//
// Missing facts never pass silently: a condition that evaluates to `unknown`
// (a number the catalog lacks, an undetermined ECCN, a running total the
// caller did not give) fires fail-closed, marked `undetermined`, and its
// message names the unknown attributes.
//
//   STRAITS_ASSIGN_OR_RETURN(Engine engine, Engine::Create(std::move(packs), catalog));
//   Transaction tx = ...;                  // policy/transaction.h
//   tx.item = engine.FindItem(*ModelId::Parse("h100-sxm"));
//   Decision decision;                      // reuse it: evaluation then allocates nothing
//   STRAITS_RETURN_IF_ERROR(engine.Evaluate(tx, PackSelection{}, decision));
//   decision.verdict();                     // Verdict::kLicenseRequired
//
// Thread-safety: an Engine is immutable after Create and may be shared by any
// number of threads; each thread uses its own Decision.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "core/ids.h"
#include "core/status.h"
#include "policy/pack.h"
#include "policy/transaction.h"

namespace straits::policy {

// Packs named explicitly, resolved to indices once (Engine::Select).
struct PackSelection {
  std::vector<uint16_t> named;  // indices into Engine::packs()
  // Only the named packs, none chosen by date (what-if of one regime alone).
  bool only_named = false;
};

struct Hit {
  const Pack* pack = nullptr;  // owned by the engine
  const Rule* rule = nullptr;
  Verdict verdict = Verdict::kAllowed;
  // The condition was unknown, not true: the rule fired fail-closed.
  bool undetermined = false;
  std::string message;
};

// The outcome of one evaluation. Reusable: Evaluate clears it but keeps the
// capacity of its vectors and message strings.
class Decision {
 public:
  Verdict verdict() const { return verdict_; }
  bool undetermined() const { return undetermined_; }
  Instant date() const { return date_; }
  Kind kind() const { return kind_; }
  std::span<const Hit> hits() const { return {hits_.data(), hit_count_}; }
  // Packs consulted, in evaluation order (ids and hashes for reproducibility).
  std::span<const Pack* const> packs() const { return packs_; }

 private:
  friend class Engine;
  void Reset(const Transaction& tx);
  Hit& NextHit();

  Verdict verdict_ = Verdict::kAllowed;
  bool undetermined_ = false;
  Instant date_;
  Kind kind_ = Kind::kExport;
  std::vector<Hit> hits_;
  size_t hit_count_ = 0;
  std::vector<const Pack*> packs_;
};

class Engine {
 public:
  // Most packs one engine holds (decisions keep per-pack state on the stack).
  static constexpr size_t kMaxPacks = 64;

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  Engine(Engine&&) = default;
  Engine& operator=(Engine&&) = default;

  // Takes the packs (sorted by effective date, then id) and builds ItemFacts
  // for every catalog model. invalid_argument for duplicate pack ids or more
  // than kMaxPacks packs.
  static Result<Engine> Create(std::vector<Pack> packs, const catalog::Catalog& catalog);

  const std::vector<Pack>& packs() const { return packs_; }
  const Pack* FindPack(std::string_view id) const;
  // Catalog models, by id; nullptr when unknown.
  const ItemFacts* FindItem(const ModelId& model) const;
  const std::vector<ItemFacts>& items() const { return *items_; }

  // Resolves explicitly named packs. not_found (field "regimes") naming the
  // known ids when one is unknown.
  Result<PackSelection> Select(std::span<const std::string> pack_ids,
                               bool only_named = false) const;

  // The packs a decision on `date` consults under `selection`.
  std::vector<const Pack*> PacksFor(Instant date, const PackSelection& selection) const;

  // Evaluates `tx` into `out`. invalid_argument (field "item") when tx.item is
  // null. No allocation once `out` has grown to the decision's size.
  Status Evaluate(const Transaction& tx, const PackSelection& selection, Decision& out) const;

 private:
  Engine() = default;

  struct PackIndex {
    std::array<std::vector<uint16_t>, kKindCount> rules_by_kind;
    int thresholds_slot = -1;  // index of the pack whose classification eccn() uses
  };

  std::vector<Pack> packs_;
  std::vector<PackIndex> index_;
  // Behind a pointer so that Transaction::item stays valid when the engine moves.
  std::unique_ptr<std::vector<ItemFacts>> items_;
  std::unordered_map<std::string, size_t> item_by_id_;
};

}  // namespace straits::policy

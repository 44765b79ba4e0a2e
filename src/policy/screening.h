// Restricted-party screening: matching names against lists such as the US
// Entity List, with explanations, ownership propagation and clearances.
//
// Lists are CSV files in the shape of the US Consolidated Screening List
// (data/lists/*.csv, see docs/compliance.md): id, source (the list), name,
// alt_names (separated by ';'), country, start_date (date added),
// federal_register_notice (citation), remarks. Every entry carries its citation.
//
// Matching. Names are normalized (Unicode NFKC with case folding; Han
// transliterated to Latin with ICU, tone marks removed; punctuation dropped;
// legal suffixes such as Co., Ltd., Inc., Corporation, 有限公司, 股份有限公司
// removed) and split into tokens. The score (0..1) is the better of a
// Jaro-Winkler similarity of the joined tokens and a symmetric Monge-Elkan
// token measure (each token against its best counterpart), so that word order,
// spacing ("Huawei" / "Hua Wei") and single typos cost little while different
// names stay apart. A match reports the score, the entry, the entry name or
// alias that matched and the query name that matched it. An entry added after
// the screening date does not match.
//
// Ownership: a party whose owner (any link of its chain up to the ultimate
// parent) matches an entry is flagged `affiliate_of_listed`.
//
// Clearances: a compliance officer clears a false positive for one party name
// and one entry, with a reason; a cleared match is still reported (with the
// clearance) but no longer flags the party. The store records clearances and
// audits them; the screener only applies the ones it is given.
//
// Thread-safety: a Screener is immutable after Create; Search and ScreenParty
// may run concurrently (the ICU transliterator is guarded by a mutex).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/country.h"
#include "core/status.h"
#include "core/time.h"
#include "policy/party.h"

namespace straits::policy {

struct ListEntry {
  std::string id;    // "EL-0001"
  std::string list;  // "Entity List (EL) - Bureau of Industry and Security"
  std::string name;
  std::vector<std::string> alt_names;
  std::optional<Country> country;
  Instant date_added;
  std::string citation;  // federal_register_notice
  std::string remarks;   // e.g. "date UNCONFIRMED"
};

// Parses a list CSV. invalid_argument with field "SOURCE:LINE" for a missing
// column, an empty name, a bad country code or date, or a duplicate id.
Result<std::vector<ListEntry>> ParseListCsv(std::string_view text, std::string_view source_name);

struct Clearance {
  std::string party_name;  // the screened name, as given
  std::string entry_id;
  std::string reason;
  std::string cleared_by;
  Instant cleared_at;
};

// invalid_argument (field "reason", "party_name", "entry_id", "cleared_by")
// when a field is empty.
Status ValidateClearance(const Clearance& clearance);

struct Match {
  const ListEntry* entry = nullptr;  // owned by the Screener
  double score = 0;
  std::string query;                     // the query name (or alias) that matched
  std::string matched_name;              // the entry's name or alternate name that matched
  const Clearance* clearance = nullptr;  // owned by the Screener; null if not cleared
};

// The screening of one party and its owners.
struct PartyScreening {
  std::string role;  // "tenant", "consignee", "operator" (set by the caller)
  std::string name;
  std::vector<Match> matches;  // of the party's own names, best first
  struct OwnerMatches {
    std::string owner;
    size_t depth = 1;  // 1: direct parent
    std::vector<Match> matches;
  };
  std::vector<OwnerMatches> owners;  // only owners with matches
  bool listed = false;               // an uncleared match on the party itself
  bool affiliate_of_listed = false;  // an uncleared match on an owner
  // The best uncleared match's entry (party first, then owners), for messages:
  // "Huawei Technologies Co., Ltd. (Entity List, 2019-05-16)".
  std::string listed_entry;
};

class Screener {
 public:
  static constexpr double kDefaultThreshold = 0.88;

  Screener(Screener&&) noexcept;
  Screener& operator=(Screener&&) noexcept;
  ~Screener();

  // Normalizes every entry once. invalid_argument when a clearance is invalid
  // or names an unknown entry, or the threshold is outside (0, 1].
  static Result<Screener> Create(std::vector<ListEntry> entries,
                                 std::vector<Clearance> clearances = {},
                                 double threshold = kDefaultThreshold);

  // Entries matching `name` with score >= threshold, best first, at most
  // `limit`. With `country`, entries of other countries score 0.05 lower
  // (a hint, not a filter: listed entities have foreign branches). With
  // `as_of`, entries added later are skipped.
  std::vector<Match> Search(std::string_view name, std::optional<Country> country = std::nullopt,
                            std::optional<Instant> as_of = std::nullopt, size_t limit = 10) const;

  // Screens the party's name and aliases, then each owner's.
  PartyScreening ScreenParty(const Party& party, std::optional<Instant> as_of) const;

  const std::vector<ListEntry>& entries() const;
  double threshold() const;

  // The normalized tokens of `name`, joined by spaces (for tests and docs).
  std::string Normalize(std::string_view name) const;

 private:
  struct Impl;
  explicit Screener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace straits::policy

#include "policy/screening.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_set>

#include "core/csv.h"

namespace straits::policy {
namespace {

// Legal-form words dropped before matching (after case folding and
// transliteration), and Chinese legal forms dropped before transliteration.
const std::unordered_set<std::string>& LegalSuffixes() {
  static const auto* kSuffixes = new std::unordered_set<std::string>{
      "co",  "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited",
      "llc", "plc",     "gmbh", "ag",          "sa",  "bv",           "nv",  "pte",
      "sdn", "bhd",     "jsc",  "pjsc",        "llp", "lp",           "kk",  "srl",
      "spa", "oy",      "ab",   "as",          "the"};
  return *kSuffixes;
}

constexpr const char* kChineseLegalForms[] = {"股份有限公司", "有限责任公司", "有限公司",
                                              "有限責任公司", "股份公司",     "公司"};

// Words too common in company names to identify one; they count for less.
bool IsGeneric(const std::string& token) {
  static const auto* kGeneric = new std::unordered_set<std::string>{"technology",
                                                                    "technologies",
                                                                    "tech",
                                                                    "information",
                                                                    "industry",
                                                                    "industries",
                                                                    "electronics",
                                                                    "electronic",
                                                                    "intelligent",
                                                                    "intelligence",
                                                                    "science",
                                                                    "sciences",
                                                                    "group",
                                                                    "holdings",
                                                                    "holding",
                                                                    "international",
                                                                    "semiconductor",
                                                                    "microelectronics",
                                                                    "systems",
                                                                    "system",
                                                                    "software",
                                                                    "computing",
                                                                    "computer",
                                                                    "network",
                                                                    "networks",
                                                                    "development",
                                                                    "investment",
                                                                    "advanced",
                                                                    "data",
                                                                    "cloud",
                                                                    "digital",
                                                                    "and",
                                                                    "of",
                                                                    "beijing",
                                                                    "shanghai",
                                                                    "shenzhen",
                                                                    "tianjin",
                                                                    "guangzhou",
                                                                    "hangzhou",
                                                                    "wuxi",
                                                                    "jinan",
                                                                    "zhengzhou",
                                                                    "national",
                                                                    "center",
                                                                    "centre",
                                                                    "research",
                                                                    "institute",
                                                                    "academy",
                                                                    "ke",
                                                                    "ji",
                                                                    "xin",
                                                                    "xi",
                                                                    "zhi",
                                                                    "neng"};
  return kGeneric->count(token) > 0;
}

double Jaro(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1;
  if (a.empty() || b.empty()) return 0;
  // Tokens are short; longer ones compare exactly. Bit masks keep this
  // allocation-free and cheap.
  if (a.size() > 64 || b.size() > 64) return a == b ? 1 : 0;
  const size_t longest = std::max(a.size(), b.size());
  const size_t window = longest / 2 == 0 ? 0 : longest / 2 - 1;
  uint64_t a_match = 0;
  uint64_t b_match = 0;
  size_t matches = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    size_t lo = i > window ? i - window : 0;
    size_t hi = std::min(b.size(), i + window + 1);
    for (size_t j = lo; j < hi; ++j) {
      if (((b_match >> j) & 1) || a[i] != b[j]) continue;
      a_match |= uint64_t{1} << i;
      b_match |= uint64_t{1} << j;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0;
  size_t transpositions = 0;
  size_t k = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (((a_match >> i) & 1) == 0) continue;
    while (((b_match >> k) & 1) == 0) ++k;
    if (a[i] != b[k]) ++transpositions;
    ++k;
  }
  const double m = static_cast<double>(matches);
  return (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
          (m - static_cast<double>(transpositions) / 2) / m) /
         3;
}

double JaroWinkler(std::string_view a, std::string_view b) {
  double jaro = Jaro(a, b);
  size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1 - jaro);
}

struct NormalizedName {
  std::string original;
  std::vector<std::string> tokens;
  std::vector<double> weights;  // per token: length, reduced for generic words
  std::string joined;
};

// Credit for a token whose best counterpart scores `best`: near-identical
// tokens count fully, similar ones half, others not at all.
double Credit(double best) { return best >= 0.92 ? best : (best >= 0.8 ? best * 0.5 : 0); }

// Symmetric coverage: how much of each name (by weight) finds a close
// counterpart in the other, averaged. Each token pair is compared once.
double TokenScore(const NormalizedName& a, const NormalizedName& b) {
  constexpr size_t kMaxTokens = 16;
  const size_t rows = std::min(a.tokens.size(), kMaxTokens);
  const size_t cols = std::min(b.tokens.size(), kMaxTokens);
  double best_row[kMaxTokens] = {};
  double best_col[kMaxTokens] = {};
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      double similarity = a.tokens[i] == b.tokens[j] ? 1 : JaroWinkler(a.tokens[i], b.tokens[j]);
      best_row[i] = std::max(best_row[i], similarity);
      best_col[j] = std::max(best_col[j], similarity);
    }
  }
  auto coverage = [](const NormalizedName& name, const double* best, size_t count) {
    double total = 0;
    double covered = 0;
    for (size_t i = 0; i < count; ++i) {
      total += name.weights[i];
      covered += name.weights[i] * Credit(best[i]);
    }
    return total == 0 ? 0 : covered / total;
  };
  return (coverage(a, best_row, rows) + coverage(b, best_col, cols)) / 2;
}

// 1 - Levenshtein distance / longer length: strict, so that the joined form
// only rescues differences of spacing ("Hua Wei" / "Huawei", "MooreThreads").
double EditSimilarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a.size() > 128 || b.size() > 128) return a == b ? 1 : 0;
  size_t row[129];
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return 1.0 -
         static_cast<double>(row[b.size()]) / static_cast<double>(std::max(a.size(), b.size()));
}

double Score(const NormalizedName& query, const NormalizedName& name, double threshold) {
  if (query.tokens.empty() || name.tokens.empty()) return 0;
  double tokens = TokenScore(query, name);
  if (query.tokens.size() == name.tokens.size() || tokens >= threshold) return tokens;
  // The edit distance is at least the length difference: skip hopeless pairs.
  const double longer = static_cast<double>(std::max(query.joined.size(), name.joined.size()));
  const double difference =
      std::abs(static_cast<double>(query.joined.size()) - static_cast<double>(name.joined.size()));
  if (1.0 - difference / longer < threshold) return tokens;
  return std::max(tokens, EditSimilarity(query.joined, name.joined));
}

}  // namespace

struct Screener::Impl {
  std::vector<ListEntry> entries;
  std::vector<Clearance> clearances;
  std::vector<std::vector<NormalizedName>> names;  // per entry: name then alt names
  std::vector<std::string> clearance_keys;         // normalized party name per clearance
  double threshold = kDefaultThreshold;
  const icu::Normalizer2* nfkc_cf = nullptr;
  std::unique_ptr<icu::Transliterator> to_latin;
  mutable std::mutex translit_mutex;

  NormalizedName Normalize(std::string_view text) const {
    NormalizedName out;
    out.original = std::string(text);
    // Most names are ASCII: NFKC, case folding and transliteration leave them
    // as they are (up to case), so ICU is needed only for the others.
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    std::string utf8;
    if (ascii) {
      utf8 = std::string(text);
    } else {
      icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
          icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
      UErrorCode status = U_ZERO_ERROR;
      icu::UnicodeString folded = nfkc_cf->normalize(unicode, status);
      if (U_FAILURE(status)) folded = unicode;
      for (const char* form : kChineseLegalForms) {
        folded.findAndReplace(icu::UnicodeString::fromUTF8(form), icu::UnicodeString(" "));
      }
      {
        std::lock_guard<std::mutex> lock(translit_mutex);
        to_latin->transliterate(folded);
      }
      folded.toUTF8String(utf8);
    }
    std::string current;
    auto flush = [&]() {
      if (current.empty()) return;
      if (!LegalSuffixes().count(current)) {
        out.weights.push_back(static_cast<double>(current.size()) *
                              (IsGeneric(current) ? 0.15 : 1));
        out.tokens.push_back(current);
      }
      current.clear();
    };
    for (char c : utf8) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        current += c;
      } else if (c == '\'') {
        // "Xi'an" and possessives stay one token.
      } else {
        flush();
      }
    }
    flush();
    // Runs of single letters are one abbreviation: "S.A." -> "sa", "N.V." -> "nv".
    std::vector<std::string> merged;
    std::vector<double> weights;
    for (size_t idx = 0; idx < out.tokens.size(); ++idx) {
      const std::string& token = out.tokens[idx];
      if (token.size() == 1 && !merged.empty() && merged.back().size() >= 1 && idx > 0 &&
          out.tokens[idx - 1].size() == 1) {
        merged.back() += token;
        weights.back() += 1;
        continue;
      }
      merged.push_back(token);
      weights.push_back(out.weights[idx]);
    }
    out.tokens.clear();
    out.weights.clear();
    for (size_t idx = 0; idx < merged.size(); ++idx) {
      if (LegalSuffixes().count(merged[idx]) && merged.size() > 1) continue;
      out.tokens.push_back(merged[idx]);
      out.weights.push_back(weights[idx]);
    }
    for (const std::string& token : out.tokens) out.joined += token;
    return out;
  }

  const Clearance* FindClearance(const NormalizedName& query, const ListEntry& entry) const {
    for (size_t idx = 0; idx < clearances.size(); ++idx) {
      if (clearances[idx].entry_id == entry.id && clearance_keys[idx] == query.joined) {
        return &clearances[idx];
      }
    }
    return nullptr;
  }

  void SearchInto(const NormalizedName& query, std::optional<Country> country,
                  std::optional<Instant> as_of, std::vector<Match>& out) const {
    for (size_t entry_idx = 0; entry_idx < entries.size(); ++entry_idx) {
      const ListEntry& entry = entries[entry_idx];
      if (as_of && *as_of < entry.date_added) continue;
      double best = 0;
      const NormalizedName* best_name = nullptr;
      for (const NormalizedName& name : names[entry_idx]) {
        double score = Score(query, name, threshold);
        if (score > best) {
          best = score;
          best_name = &name;
        }
      }
      if (country && entry.country && *country != *entry.country) best -= 0.05;
      if (!best_name || best < threshold) continue;
      auto existing =
          std::find_if(out.begin(), out.end(), [&](const Match& m) { return m.entry == &entry; });
      if (existing != out.end()) {
        if (existing->score >= best) continue;
        out.erase(existing);
      }
      Match match;
      match.entry = &entry;
      match.score = std::min(1.0, best);
      match.query = query.original;
      match.matched_name = best_name->original;
      match.clearance = FindClearance(query, entry);
      out.push_back(std::move(match));
    }
  }
};

Screener::Screener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Screener::Screener(Screener&&) noexcept = default;
Screener& Screener::operator=(Screener&&) noexcept = default;
Screener::~Screener() = default;

Result<Screener> Screener::Create(std::vector<ListEntry> entries, std::vector<Clearance> clearances,
                                  double threshold) {
  if (!(threshold > 0 && threshold <= 1)) {
    return InvalidArgument("threshold must be in (0, 1]", "threshold");
  }
  auto impl = std::make_unique<Impl>();
  UErrorCode status = U_ZERO_ERROR;
  impl->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) return Internal("ICU NFKC_Casefold is unavailable");
  impl->to_latin.reset(
      icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
  if (U_FAILURE(status) || !impl->to_latin) {
    return Internal("ICU transliterator Any-Latin; Latin-ASCII is unavailable");
  }
  impl->threshold = threshold;
  impl->entries = std::move(entries);
  for (const ListEntry& entry : impl->entries) {
    std::vector<NormalizedName> names;
    names.push_back(impl->Normalize(entry.name));
    for (const std::string& alt : entry.alt_names) names.push_back(impl->Normalize(alt));
    impl->names.push_back(std::move(names));
  }
  for (const Clearance& clearance : clearances) {
    STRAITS_RETURN_IF_ERROR(ValidateClearance(clearance));
    bool known = std::any_of(impl->entries.begin(), impl->entries.end(),
                             [&](const ListEntry& e) { return e.id == clearance.entry_id; });
    if (!known) {
      return InvalidArgument("clearance names unknown list entry \"" + clearance.entry_id + "\"",
                             "entry_id");
    }
    impl->clearance_keys.push_back(impl->Normalize(clearance.party_name).joined);
  }
  impl->clearances = std::move(clearances);
  return Screener(std::move(impl));
}

std::vector<Match> Screener::Search(std::string_view name, std::optional<Country> country,
                                    std::optional<Instant> as_of, size_t limit) const {
  std::vector<Match> out;
  NormalizedName query = impl_->Normalize(name);
  impl_->SearchInto(query, country, as_of, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const Match& a, const Match& b) { return a.score > b.score; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

std::string EntryLabel(const Match& match) {
  return match.entry->name + " (" + match.entry->list + ", added " +
         match.entry->date_added.DateString() + ", " + match.entry->citation + ")";
}

}  // namespace

PartyScreening Screener::ScreenParty(const Party& party, std::optional<Instant> as_of) const {
  PartyScreening out;
  out.name = party.name;
  auto screen_names = [&](const PartyName& names) {
    std::vector<Match> matches;
    std::vector<std::string> all = {names.name};
    all.insert(all.end(), names.aliases.begin(), names.aliases.end());
    for (const std::string& name : all) {
      if (name.empty()) continue;
      NormalizedName query = impl_->Normalize(name);
      impl_->SearchInto(query, names.hq, as_of, matches);
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Match& a, const Match& b) { return a.score > b.score; });
    return matches;
  };
  out.matches = screen_names(party);
  for (const Match& match : out.matches) {
    if (match.clearance) continue;
    out.listed = true;
    out.listed_entry = EntryLabel(match);
    break;
  }
  for (size_t depth = 0; depth < party.owners.size(); ++depth) {
    std::vector<Match> matches = screen_names(party.owners[depth]);
    if (matches.empty()) continue;
    for (const Match& match : matches) {
      if (match.clearance) continue;
      if (!out.affiliate_of_listed && !out.listed) {
        out.listed_entry = "owner " + party.owners[depth].name + " matches " + EntryLabel(match);
      }
      out.affiliate_of_listed = true;
      break;
    }
    out.owners.push_back(
        PartyScreening::OwnerMatches{party.owners[depth].name, depth + 1, std::move(matches)});
  }
  return out;
}

const std::vector<ListEntry>& Screener::entries() const { return impl_->entries; }
double Screener::threshold() const { return impl_->threshold; }

std::string Screener::Normalize(std::string_view name) const {
  NormalizedName normalized = impl_->Normalize(name);
  std::string out;
  for (const std::string& token : normalized.tokens) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

Status ValidateClearance(const Clearance& clearance) {
  if (clearance.party_name.empty()) return InvalidArgument("must not be empty", "party_name");
  if (clearance.entry_id.empty()) return InvalidArgument("must not be empty", "entry_id");
  if (clearance.reason.empty()) {
    return InvalidArgument("a clearance needs the reason the match is a false positive", "reason");
  }
  if (clearance.cleared_by.empty()) return InvalidArgument("must not be empty", "cleared_by");
  return Status::Ok();
}

Result<std::vector<ListEntry>> ParseListCsv(std::string_view text, std::string_view source_name) {
  STRAITS_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, source_name));
  const char* kColumns[] = {
      "id",     "source", "name", "alt_names", "country", "start_date", "federal_register_notice",
      "remarks"};
  int column[8];
  for (size_t idx = 0; idx < 8; ++idx) {
    column[idx] = table.Column(kColumns[idx]);
    if (column[idx] < 0) {
      return InvalidArgument(std::string("missing column \"") + kColumns[idx] + "\"",
                             std::string(source_name) + ":1");
    }
  }
  std::vector<ListEntry> entries;
  for (const CsvRow& row : table.rows) {
    auto at = [&](int idx) -> const std::string& {
      return row.fields[static_cast<size_t>(column[idx])];
    };
    std::string where = std::string(source_name) + ":" + std::to_string(row.line);
    ListEntry entry;
    entry.id = at(0);
    entry.list = at(1);
    entry.name = at(2);
    if (entry.id.empty() || entry.name.empty() || entry.list.empty()) {
      return InvalidArgument("id, source and name must not be empty", where);
    }
    std::string alt = at(3);
    size_t start = 0;
    while (start <= alt.size() && !alt.empty()) {
      size_t end = alt.find(';', start);
      if (end == std::string::npos) end = alt.size();
      std::string piece = alt.substr(start, end - start);
      while (!piece.empty() && piece.front() == ' ') piece.erase(piece.begin());
      while (!piece.empty() && piece.back() == ' ') piece.pop_back();
      if (!piece.empty()) entry.alt_names.push_back(piece);
      start = end + 1;
    }
    if (!at(4).empty()) {
      Result<Country> country = Country::Parse(at(4));
      if (!country.ok()) return InvalidArgument("country: " + country.status().message(), where);
      entry.country = *country;
    }
    Result<Instant> date = Instant::Parse(at(5));
    if (!date.ok()) return InvalidArgument("start_date: " + date.status().message(), where);
    entry.date_added = *date;
    entry.citation = at(6);
    if (entry.citation.empty()) {
      return InvalidArgument("federal_register_notice must cite the listing", where);
    }
    entry.remarks = at(7);
    for (const ListEntry& other : entries) {
      if (other.id == entry.id) return InvalidArgument("duplicate id \"" + entry.id + "\"", where);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace straits::policy

#include "billing_store/sqlite_billing_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "store/sqlite/db.h"
#include "store/sqlite/family.h"

namespace straits::billing_store {
namespace {

using billing::BillingAccount;
using billing::Invoice;
using billing::InvoiceLine;
using billing::LeaseTerms;
using billing::LedgerInvoice;
using billing::RateCardEntry;
using billing::UsageRecord;
using store::sqlite::Connection;
using store::sqlite::ConnectionPool;
using store::sqlite::Statement;
using store::sqlite::Transaction;

// Append-only: a new step is a new entry. Step 3 adds usage's series key (a
// Slurm job and step; '' for whole-node usage, which every record stored
// before it is) to the primary key, so two jobs of one lease on one node are
// both held; SQLite cannot change a primary key in place, so the table is
// copied.
constexpr std::string_view kBillingMigrations[] = {R"sql(
CREATE TABLE billing_accounts (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  billing_country TEXT NOT NULL
);
CREATE TABLE billing_lease_terms (
  lease TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  site TEXT NOT NULL,
  model TEXT NOT NULL,
  gpus INTEGER NOT NULL CHECK (gpus > 0),
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  CHECK (start_at < end_at)
);
CREATE TABLE billing_usage (
  lease TEXT NOT NULL,
  node TEXT NOT NULL,
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  gpu_seconds INTEGER NOT NULL CHECK (gpu_seconds >= 0),
  CHECK (start_at < end_at),
  PRIMARY KEY (lease, node, start_at)
) WITHOUT ROWID;
CREATE INDEX billing_usage_by_start ON billing_usage(start_at);
CREATE TABLE billing_rate_cards (
  site TEXT NOT NULL,
  model TEXT NOT NULL,
  effective_from INTEGER NOT NULL,
  currency TEXT NOT NULL,
  price_minor INTEGER NOT NULL CHECK (price_minor >= 0),
  discounts TEXT NOT NULL,
  PRIMARY KEY (site, model, effective_from)
);
CREATE TABLE billing_documents (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  account TEXT NOT NULL,
  period TEXT NOT NULL,
  issue_date INTEGER NOT NULL,
  currency TEXT NOT NULL,
  total_minor INTEGER NOT NULL,
  corrects TEXT NOT NULL,
  reason TEXT NOT NULL,
  issued_at INTEGER NOT NULL
);
CREATE INDEX billing_documents_by_period ON billing_documents(period, account, id);
CREATE TABLE billing_document_lines (
  document TEXT NOT NULL REFERENCES billing_documents(id),
  line_no INTEGER NOT NULL,
  lease TEXT NOT NULL,
  site TEXT NOT NULL,
  model TEXT NOT NULL,
  from_at INTEGER NOT NULL,
  to_at INTEGER NOT NULL,
  gpu_seconds INTEGER NOT NULL,
  unit_price_minor INTEGER NOT NULL,
  discount_bp INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  description TEXT NOT NULL,
  PRIMARY KEY (document, line_no)
) WITHOUT ROWID;
CREATE TRIGGER billing_documents_immutable_update BEFORE UPDATE ON billing_documents
BEGIN SELECT RAISE(ABORT, 'issued billing documents are immutable; issue a credit note'); END;
CREATE TRIGGER billing_documents_immutable_delete BEFORE DELETE ON billing_documents
BEGIN SELECT RAISE(ABORT, 'issued billing documents are immutable; issue a credit note'); END;
CREATE TRIGGER billing_lines_immutable_update BEFORE UPDATE ON billing_document_lines
BEGIN SELECT RAISE(ABORT, 'issued billing documents are immutable; issue a credit note'); END;
CREATE TRIGGER billing_lines_immutable_delete BEFORE DELETE ON billing_document_lines
BEGIN SELECT RAISE(ABORT, 'issued billing documents are immutable; issue a credit note'); END;
CREATE TABLE billing_ledger (
  invoice_id TEXT PRIMARY KEY,
  date INTEGER NOT NULL,
  customer TEXT NOT NULL,
  billing_country TEXT NOT NULL,
  hq_country TEXT NOT NULL,
  ship_to_country TEXT NOT NULL,
  parent_country TEXT,
  operator_country TEXT,
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  source TEXT NOT NULL,
  line INTEGER NOT NULL
);
CREATE INDEX billing_ledger_by_date ON billing_ledger(date, invoice_id);
CREATE TABLE billing_fx_files (
  seq INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  text TEXT NOT NULL
);
)sql",
                                                   R"sql(
CREATE TABLE billing_meter_watermark (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  metered_until INTEGER NOT NULL
);
)sql",
                                                   R"sql(
CREATE TABLE billing_usage_keyed (
  lease TEXT NOT NULL,
  node TEXT NOT NULL,
  series TEXT NOT NULL DEFAULT '',
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  gpu_seconds INTEGER NOT NULL CHECK (gpu_seconds >= 0),
  CHECK (start_at < end_at),
  PRIMARY KEY (lease, node, series, start_at)
) WITHOUT ROWID;
INSERT INTO billing_usage_keyed(lease, node, series, start_at, end_at, gpu_seconds)
  SELECT lease, node, '', start_at, end_at, gpu_seconds FROM billing_usage;
DROP TABLE billing_usage;
ALTER TABLE billing_usage_keyed RENAME TO billing_usage;
CREATE INDEX billing_usage_by_start ON billing_usage(start_at);
)sql"};

// Values in the database were validated on the way in; a row that no longer
// parses means the file was edited behind our back.
template <typename T>
Result<T> Reparse(Result<T> value, std::string_view what) {
  if (!value.ok()) {
    return Internal("corrupt billing " + std::string(what) + ": " + value.status().message());
  }
  return value;
}

std::string Where(std::string_view source, int line, size_t index, std::string_view what) {
  if (line > 0 && !source.empty()) return std::string(source) + ":" + std::to_string(line);
  return std::string(what) + "[" + std::to_string(index) + "]";
}

// Term discounts as "30:500;180:1250" (days:basis points), sorted by days.
std::string EncodeDiscounts(std::vector<billing::TermDiscount> discounts) {
  std::sort(discounts.begin(), discounts.end(),
            [](const auto& a, const auto& b) { return a.min_term_days < b.min_term_days; });
  std::string out;
  for (const billing::TermDiscount& d : discounts) {
    if (!out.empty()) out += ';';
    out += std::to_string(d.min_term_days) + ":" + std::to_string(d.basis_points);
  }
  return out;
}

Result<std::vector<billing::TermDiscount>> DecodeDiscounts(std::string_view text) {
  std::vector<billing::TermDiscount> out;
  while (!text.empty()) {
    const size_t end = std::min(text.find(';'), text.size());
    const std::string_view item = text.substr(0, end);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Internal("corrupt billing rate card discounts \"" + std::string(item) + "\"");
    }
    try {
      out.push_back({std::stoll(std::string(item.substr(0, colon))),
                     std::stoi(std::string(item.substr(colon + 1)))});
    } catch (const std::exception&) {
      return Internal("corrupt billing rate card discounts \"" + std::string(item) + "\"");
    }
    text = end < text.size() ? text.substr(end + 1) : std::string_view();
  }
  return out;
}

bool SameEntry(const RateCardEntry& a, const RateCardEntry& b) {
  return a.site == b.site && a.model == b.model && a.effective_from == b.effective_from &&
         a.price_per_gpu_hour == b.price_per_gpu_hour &&
         EncodeDiscounts(a.discounts) == EncodeDiscounts(b.discounts);
}

bool SameTerms(const LeaseTerms& a, const LeaseTerms& b) {
  return a.id == b.id && a.account == b.account && a.site == b.site && a.model == b.model &&
         a.gpus == b.gpus && a.term == b.term;
}

bool SameLedgerRow(const LedgerInvoice& a, const LedgerInvoice& b) {
  return a.invoice_id == b.invoice_id && a.date == b.date && a.customer == b.customer &&
         a.billing_country == b.billing_country && a.hq_country == b.hq_country &&
         a.ship_to_country == b.ship_to_country && a.parent_country == b.parent_country &&
         a.operator_country == b.operator_country && a.amount == b.amount;
}

std::string Describe(const LeaseTerms& t) {
  return "account " + t.account.str() + ", site " + t.site.str() + ", model " + t.model.str() +
         ", " + std::to_string(t.gpus) + " GPUs, " + t.term.ToString();
}

std::optional<std::string> OptionalCountry(const std::optional<Country>& c) {
  if (!c) return std::nullopt;
  return std::string(c->code());
}

Result<std::optional<Country>> ReadOptionalCountry(const std::optional<std::string>& text) {
  if (!text) return std::optional<Country>();
  STRAITS_ASSIGN_OR_RETURN(Country c, Reparse(Country::Parse(*text), "ledger country"));
  return std::optional<Country>(c);
}

constexpr std::string_view kDocumentColumns =
    "SELECT id, kind, account, period, issue_date, currency, total_minor, corrects, reason "
    "FROM billing_documents";

class SqliteBillingStore final : public BillingStore {
 public:
  explicit SqliteBillingStore(std::unique_ptr<ConnectionPool> pool) : pool_(std::move(pool)) {}

  // --- Usage ---------------------------------------------------------------

  Result<billing::IngestStats> IngestUsage(std::span<const UsageRecord> records,
                                           std::string_view source) override {
    if (records.empty()) return billing::IngestStats{};
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    // The window of time each (lease, node, series key) series of the batch
    // covers; only stored records of those series overlapping it can be
    // duplicates or overlaps, so only they are loaded.
    std::map<std::tuple<std::string, std::string, std::string>, std::pair<int64_t, int64_t>>
        windows;
    for (const UsageRecord& r : records) {
      auto [it, inserted] = windows.try_emplace({r.lease.str(), r.node.str(), r.series},
                                                r.start.unix_seconds(), r.end.unix_seconds());
      if (!inserted) {
        it->second.first = std::min(it->second.first, r.start.unix_seconds());
        it->second.second = std::max(it->second.second, r.end.unix_seconds());
      }
    }
    // Records of one series never overlap, so the only stored record starting
    // before the window that can reach into it is the last one to start before it.
    STRAITS_ASSIGN_OR_RETURN(
        Statement held,
        conn->Prepare("SELECT start_at, end_at, gpu_seconds FROM billing_usage "
                      "WHERE lease = ?1 AND node = ?2 AND series = ?5 AND start_at < ?4 AND "
                      "start_at >= COALESCE((SELECT MAX(start_at) FROM billing_usage WHERE "
                      "lease = ?1 AND node = ?2 AND series = ?5 AND start_at <= ?3), ?3) "
                      "ORDER BY start_at"));
    std::vector<UsageRecord> stored;
    for (const auto& [series, window] : windows) {
      const auto& [lease_text, node_text, key] = series;
      STRAITS_RETURN_IF_ERROR(held.Reset());
      held.Bind(1, lease_text)
          .Bind(2, node_text)
          .Bind(3, window.first)
          .Bind(4, window.second)
          .Bind(5, key);
      LeaseId lease = *LeaseId::Parse(lease_text);
      NodeId node = *NodeId::Parse(node_text);
      for (;;) {
        STRAITS_ASSIGN_OR_RETURN(bool row, held.Step());
        if (!row) break;
        stored.push_back(UsageRecord{lease, node, Instant::FromUnixSeconds(held.Int(0)),
                                     Instant::FromUnixSeconds(held.Int(1)), held.Int(2), 0, key});
      }
    }
    billing::UsageLedger ledger;
    Result<billing::IngestStats> loaded = ledger.Ingest(stored);
    if (!loaded.ok()) return Internal("corrupt billing usage: " + loaded.status().message());
    STRAITS_ASSIGN_OR_RETURN(billing::IngestStats stats, ledger.Ingest(records, source));
    if (stats.added > 0) {
      STRAITS_ASSIGN_OR_RETURN(
          Statement insert,
          conn->Prepare("INSERT INTO billing_usage(lease, node, series, start_at, end_at, "
                        "gpu_seconds) VALUES(?,?,?,?,?,?) ON CONFLICT DO NOTHING"));
      for (const UsageRecord& r : records) {
        STRAITS_RETURN_IF_ERROR(insert.Reset());
        insert.Bind(1, r.lease.str())
            .Bind(2, r.node.str())
            .Bind(3, r.series)
            .Bind(4, r.start.unix_seconds())
            .Bind(5, r.end.unix_seconds())
            .Bind(6, r.gpu_seconds);
        STRAITS_RETURN_IF_ERROR(insert.Run());
      }
    }
    STRAITS_RETURN_IF_ERROR(tx->Commit());
    return stats;
  }

  Result<std::vector<UsageRecord>> UsageOfLease(const LeaseId& lease) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT node, start_at, end_at, gpu_seconds, series FROM billing_usage "
                      "WHERE lease = ? ORDER BY start_at, node, series"));
    stmt.Bind(1, lease.str());
    std::vector<UsageRecord> out;
    std::unordered_map<std::string, NodeId> nodes;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      std::string node_text = stmt.Text(0);
      auto node = nodes.find(node_text);
      if (node == nodes.end()) {
        STRAITS_ASSIGN_OR_RETURN(NodeId id, Reparse(NodeId::Parse(node_text), "usage node"));
        node = nodes.emplace(std::move(node_text), std::move(id)).first;
      }
      out.push_back(UsageRecord{lease, node->second, Instant::FromUnixSeconds(stmt.Int(1)),
                                Instant::FromUnixSeconds(stmt.Int(2)), stmt.Int(3), 0,
                                stmt.Text(4)});
    }
    return out;
  }

  Result<billing::UsageLedger> LoadUsage(Instant from, Instant to) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT lease, node, start_at, end_at, gpu_seconds, series FROM "
                      "billing_usage WHERE start_at >= ? AND start_at < ? ORDER BY start_at"));
    stmt.Bind(1, from.unix_seconds()).Bind(2, to.unix_seconds());
    billing::UsageLedger ledger;
    std::unordered_map<std::string, LeaseId> leases;
    std::unordered_map<std::string, NodeId> nodes;
    std::vector<UsageRecord> batch;
    constexpr size_t kBatch = 1 << 16;
    auto flush = [&]() -> Status {
      Result<billing::IngestStats> added = ledger.Ingest(batch);
      if (!added.ok()) return Internal("corrupt billing usage: " + added.status().message());
      batch.clear();
      return Status::Ok();
    };
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      std::string lease_text = stmt.Text(0);
      auto lease = leases.find(lease_text);
      if (lease == leases.end()) {
        STRAITS_ASSIGN_OR_RETURN(LeaseId id, Reparse(LeaseId::Parse(lease_text), "usage lease"));
        lease = leases.emplace(std::move(lease_text), std::move(id)).first;
      }
      std::string node_text = stmt.Text(1);
      auto node = nodes.find(node_text);
      if (node == nodes.end()) {
        STRAITS_ASSIGN_OR_RETURN(NodeId id, Reparse(NodeId::Parse(node_text), "usage node"));
        node = nodes.emplace(std::move(node_text), std::move(id)).first;
      }
      batch.push_back(
          UsageRecord{lease->second, node->second, Instant::FromUnixSeconds(stmt.Int(2)),
                      Instant::FromUnixSeconds(stmt.Int(3)), stmt.Int(4), 0, stmt.Text(5)});
      if (batch.size() == kBatch) STRAITS_RETURN_IF_ERROR(flush());
    }
    if (!batch.empty()) STRAITS_RETURN_IF_ERROR(flush());
    return ledger;
  }

  Result<int64_t> CountUsage() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare("SELECT COUNT(*) FROM billing_usage"));
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? stmt.Int(0) : 0;
  }

  // --- Rate cards ----------------------------------------------------------

  Result<ImportStats> AddRateCards(const billing::RateCards& cards,
                                   std::string_view source) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(std::vector<RateCardEntry> existing, ReadRateCards(*conn));
    std::map<std::tuple<std::string, std::string, int64_t>, const RateCardEntry*> by_key;
    std::map<std::string, std::string> site_currency;
    for (const RateCardEntry& e : existing) {
      by_key[{e.site.str(), e.model.str(), e.effective_from.unix_seconds()}] = &e;
      site_currency.emplace(e.site.str(), std::string(e.price_per_gpu_hour.currency().code()));
    }
    ImportStats stats;
    std::vector<RateCardEntry> added;
    std::map<std::string, int> site_currency_line;  // where a new site's currency was set
    for (size_t i = 0; i < cards.entries().size(); ++i) {
      const RateCardEntry& e = cards.entries()[i];
      const std::string where = Where(source, e.line, i, "entries");
      auto it = by_key.find({e.site.str(), e.model.str(), e.effective_from.unix_seconds()});
      if (it != by_key.end()) {
        if (SameEntry(*it->second, e)) {
          ++stats.unchanged;
          continue;
        }
        return InvalidArgument(
            "a different price for site " + e.site.str() + ", model " + e.model.str() + " from " +
                e.effective_from.DateString() + " is already stored (" +
                it->second->price_per_gpu_hour.ToString() +
                "); prices in force do not change under issued invoices: add an entry with a "
                "later effective_from instead",
            where);
      }
      const std::string currency(e.price_per_gpu_hour.currency().code());
      auto [cur, inserted] = site_currency.try_emplace(e.site.str(), currency);
      if (inserted) site_currency_line[e.site.str()] = e.line;
      if (cur->second != currency) {
        auto line = site_currency_line.find(e.site.str());
        return InvalidArgument("site " + e.site.str() + " invoices in " + cur->second +
                                   (line != site_currency_line.end() && line->second > 0
                                        ? " (line " + std::to_string(line->second) + ")"
                                        : " (its stored rate cards)") +
                                   ", but this entry is in " + currency +
                                   "; all prices of a site are in one currency",
                               where);
      }
      added.push_back(e);
    }
    std::vector<RateCardEntry> merged = existing;
    merged.insert(merged.end(), added.begin(), added.end());
    STRAITS_RETURN_IF_ERROR(billing::RateCards::Make(std::move(merged), source).status());
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn->Prepare("INSERT INTO billing_rate_cards(site, model, effective_from, currency, "
                      "price_minor, discounts) VALUES(?,?,?,?,?,?)"));
    for (const RateCardEntry& e : added) {
      STRAITS_RETURN_IF_ERROR(insert.Reset());
      insert.Bind(1, e.site.str())
          .Bind(2, e.model.str())
          .Bind(3, e.effective_from.unix_seconds())
          .Bind(4, e.price_per_gpu_hour.currency().code())
          .Bind(5, e.price_per_gpu_hour.minor_units())
          .Bind(6, EncodeDiscounts(e.discounts));
      STRAITS_RETURN_IF_ERROR(insert.Run());
    }
    STRAITS_RETURN_IF_ERROR(tx->Commit());
    stats.added = static_cast<int64_t>(added.size());
    return stats;
  }

  Result<billing::RateCards> LoadRateCards() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(std::vector<RateCardEntry> entries, ReadRateCards(*conn));
    return Reparse(billing::RateCards::Make(std::move(entries)), "rate cards");
  }

  // --- Accounts and lease terms ---------------------------------------------

  Status PutAccounts(std::span<const BillingAccount> accounts) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(
        Statement put,
        conn->Prepare("INSERT INTO billing_accounts(id, org, billing_country) VALUES(?,?,?) "
                      "ON CONFLICT(id) DO UPDATE SET org = excluded.org, "
                      "billing_country = excluded.billing_country"));
    for (const BillingAccount& a : accounts) {
      STRAITS_RETURN_IF_ERROR(put.Reset());
      put.Bind(1, a.id.str()).Bind(2, a.org.str()).Bind(3, a.billing_country.code());
      STRAITS_RETURN_IF_ERROR(put.Run());
    }
    return tx->Commit();
  }

  Result<std::vector<BillingAccount>> ListAccounts() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT id, org, billing_country FROM billing_accounts ORDER BY id"));
    std::vector<BillingAccount> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      STRAITS_ASSIGN_OR_RETURN(billing::AccountId id,
                               Reparse(billing::AccountId::Parse(stmt.Text(0)), "account id"));
      STRAITS_ASSIGN_OR_RETURN(OrgId org, Reparse(OrgId::Parse(stmt.Text(1)), "account org"));
      STRAITS_ASSIGN_OR_RETURN(Country country,
                               Reparse(Country::Parse(stmt.Text(2)), "account country"));
      out.push_back(BillingAccount{std::move(id), std::move(org), country});
    }
  }

  Result<ImportStats> AddLeaseTerms(std::span<const LeaseTermsRow> rows,
                                    std::string_view source) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(std::vector<LeaseTerms> existing, ReadLeaseTerms(*conn));
    std::map<std::string, const LeaseTerms*> stored;
    for (const LeaseTerms& t : existing) stored[t.id.str()] = &t;
    std::map<std::string, std::pair<const LeaseTerms*, std::string>> in_batch;
    ImportStats stats;
    std::vector<const LeaseTerms*> added;
    for (size_t i = 0; i < rows.size(); ++i) {
      const LeaseTerms& t = rows[i].terms;
      const std::string where = Where(source, rows[i].line, i, "rows");
      auto [seen, first_time] = in_batch.try_emplace(t.id.str(), &t, where);
      if (!first_time) {
        return InvalidArgument(
            "lease " + t.id.str() + " is listed twice (first at " + seen->second.second + ")",
            where);
      }
      auto it = stored.find(t.id.str());
      if (it != stored.end()) {
        if (SameTerms(*it->second, t)) {
          ++stats.unchanged;
          continue;
        }
        return InvalidArgument("lease " + t.id.str() + " is already stored with other terms (" +
                                   Describe(*it->second) + "); lease terms do not change",
                               where);
      }
      if (t.gpus < 1) return InvalidArgument("gpus must be at least 1", where);
      if (t.term.empty())
        return InvalidArgument("the term is empty: end must be after start", where);
      added.push_back(&t);
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn->Prepare("INSERT INTO billing_lease_terms(lease, account, site, model, gpus, "
                      "start_at, end_at) VALUES(?,?,?,?,?,?,?)"));
    for (const LeaseTerms* t : added) {
      STRAITS_RETURN_IF_ERROR(insert.Reset());
      insert.Bind(1, t->id.str())
          .Bind(2, t->account.str())
          .Bind(3, t->site.str())
          .Bind(4, t->model.str())
          .Bind(5, int64_t{t->gpus})
          .Bind(6, t->term.start().unix_seconds())
          .Bind(7, t->term.end().unix_seconds());
      STRAITS_RETURN_IF_ERROR(insert.Run());
    }
    STRAITS_RETURN_IF_ERROR(tx->Commit());
    stats.added = static_cast<int64_t>(added.size());
    return stats;
  }

  Result<std::vector<LeaseTerms>> ListLeaseTerms() override {
    auto conn = pool_->Acquire();
    return ReadLeaseTerms(*conn);
  }

  Status PutLeaseTerms(std::span<const LeaseTerms> terms) override {
    for (size_t i = 0; i < terms.size(); ++i) {
      const std::string where = "terms[" + std::to_string(i) + "]";
      if (terms[i].gpus < 1) return InvalidArgument("gpus must be at least 1", where);
      if (terms[i].term.empty()) {
        return InvalidArgument("the term is empty: end must be after start", where);
      }
    }
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(
        Statement upsert,
        conn->Prepare("INSERT OR REPLACE INTO billing_lease_terms(lease, account, site, model, "
                      "gpus, start_at, end_at) VALUES(?,?,?,?,?,?,?)"));
    for (const LeaseTerms& t : terms) {
      STRAITS_RETURN_IF_ERROR(upsert.Reset());
      upsert.Bind(1, t.id.str())
          .Bind(2, t.account.str())
          .Bind(3, t.site.str())
          .Bind(4, t.model.str())
          .Bind(5, int64_t{t.gpus})
          .Bind(6, t.term.start().unix_seconds())
          .Bind(7, t.term.end().unix_seconds());
      STRAITS_RETURN_IF_ERROR(upsert.Run());
    }
    return tx->Commit();
  }

  // --- Metering watermark ------------------------------------------------------

  Result<std::optional<Instant>> MeteredUntil() override {
    auto conn = pool_->Acquire();
    return ReadWatermark(*conn);
  }

  Status SetMeteredUntil(Instant until) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> stored, ReadWatermark(*conn));
    if (stored && until < *stored) {
      return InvalidArgument("the metering watermark only moves forward: " + until.ToString() +
                                 " is before " + stored->ToString(),
                             "until");
    }
    STRAITS_ASSIGN_OR_RETURN(Statement put,
                             conn->Prepare("INSERT OR REPLACE INTO billing_meter_watermark(id, "
                                           "metered_until) VALUES(1, ?)"));
    put.Bind(1, until.unix_seconds());
    STRAITS_RETURN_IF_ERROR(put.Run());
    return tx->Commit();
  }

  // --- Issued documents ------------------------------------------------------

  Status IssueDocuments(std::span<const Invoice> documents, Instant now) override {
    if (documents.empty()) return Status::Ok();
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    // Credit notes carry the period of the invoice they correct, so the
    // documents of the periods involved are all the register needs to check
    // ids, totals and credits.
    std::set<billing::Month> periods;
    for (const Invoice& d : documents) periods.insert(d.period);
    billing::InvoiceRegister reg;
    for (const billing::Month& period : periods) {
      STRAITS_ASSIGN_OR_RETURN(std::vector<Invoice> issued,
                               ReadDocuments(*conn, DocumentFilter{period, std::nullopt}));
      // Invoices before the credit notes that refer to them.
      std::stable_partition(issued.begin(), issued.end(), [](const Invoice& d) {
        return d.kind == billing::DocumentKind::kInvoice;
      });
      for (Invoice& d : issued) {
        const std::string id = d.id;
        Status s = reg.Add(std::move(d));
        if (!s.ok()) return Internal("corrupt billing document " + id + ": " + s.message());
      }
    }
    for (size_t i = 0; i < documents.size(); ++i) {
      Status s = reg.Add(documents[i]);
      if (!s.ok()) {
        return Status(s.code(), s.message(),
                      "documents[" + std::to_string(i) + "] (" + documents[i].id + ")" +
                          (s.field().empty() ? "" : "." + s.field()));
      }
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement doc,
        conn->Prepare("INSERT INTO billing_documents(id, kind, account, period, issue_date, "
                      "currency, total_minor, corrects, reason, issued_at) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?)"));
    STRAITS_ASSIGN_OR_RETURN(
        Statement line,
        conn->Prepare("INSERT INTO billing_document_lines(document, line_no, lease, site, model, "
                      "from_at, to_at, gpu_seconds, unit_price_minor, discount_bp, amount_minor, "
                      "description) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
    for (const Invoice& d : documents) {
      STRAITS_RETURN_IF_ERROR(doc.Reset());
      doc.Bind(1, d.id)
          .Bind(2, billing::DocumentKindName(d.kind))
          .Bind(3, d.account.str())
          .Bind(4, d.period.ToString())
          .Bind(5, d.issue_date.unix_seconds())
          .Bind(6, d.currency.code())
          .Bind(7, d.total.minor_units())
          .Bind(8, d.corrects)
          .Bind(9, d.reason)
          .Bind(10, now.unix_seconds());
      STRAITS_RETURN_IF_ERROR(doc.Run());
      for (size_t n = 0; n < d.lines.size(); ++n) {
        const InvoiceLine& l = d.lines[n];
        STRAITS_RETURN_IF_ERROR(line.Reset());
        line.Bind(1, d.id)
            .Bind(2, static_cast<int64_t>(n))
            .Bind(3, l.lease.str())
            .Bind(4, l.site.str())
            .Bind(5, l.model.str())
            .Bind(6, l.usage.from.unix_seconds())
            .Bind(7, l.usage.to.unix_seconds())
            .Bind(8, l.usage.gpu_seconds)
            .Bind(9, l.usage.unit_price.minor_units())
            .Bind(10, int64_t{l.usage.discount_bp})
            .Bind(11, l.amount.minor_units())
            .Bind(12, l.description);
        STRAITS_RETURN_IF_ERROR(line.Run());
      }
    }
    return tx->Commit();
  }

  Result<Invoice> GetDocument(const std::string& id) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare(std::string(kDocumentColumns) + " WHERE id = ?"));
    stmt.Bind(1, id);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no invoice or credit note \"" + id + "\"", "id");
    STRAITS_ASSIGN_OR_RETURN(Invoice doc, ReadDocument(stmt));
    STRAITS_RETURN_IF_ERROR(ReadLines(*conn, doc));
    return doc;
  }

  Result<std::vector<Invoice>> ListDocuments(const DocumentFilter& filter) override {
    auto conn = pool_->Acquire();
    return ReadDocuments(*conn, filter);
  }

  // --- External sales ledgers -----------------------------------------------

  Result<ImportStats> AddLedger(std::span<const LedgerInvoice> rows,
                                std::string_view source) override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(
        Statement find,
        conn->Prepare("SELECT date, customer, billing_country, hq_country, ship_to_country, "
                      "parent_country, operator_country, amount_minor, currency, source, line "
                      "FROM billing_ledger WHERE invoice_id = ?"));
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn->Prepare("INSERT INTO billing_ledger(invoice_id, date, customer, billing_country, "
                      "hq_country, ship_to_country, parent_country, operator_country, "
                      "amount_minor, currency, source, line) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
    ImportStats stats;
    for (size_t i = 0; i < rows.size(); ++i) {
      const LedgerInvoice& r = rows[i];
      STRAITS_RETURN_IF_ERROR(find.Reset());
      find.Bind(1, r.invoice_id);
      STRAITS_ASSIGN_OR_RETURN(bool exists, find.Step());
      if (exists) {
        STRAITS_ASSIGN_OR_RETURN(LedgerInvoice held, ReadLedgerRow(find, r.invoice_id, 0));
        if (SameLedgerRow(held, r)) {
          ++stats.unchanged;
          continue;
        }
        return InvalidArgument("column \"invoice_id\": invoice " + r.invoice_id +
                                   " was already imported with other values (from " + find.Text(9) +
                                   ":" + std::to_string(find.Int(10)) +
                                   "); imported invoices do not change",
                               Where(source, r.line, i, "rows"));
      }
      STRAITS_RETURN_IF_ERROR(insert.Reset());
      insert.Bind(1, r.invoice_id)
          .Bind(2, r.date.unix_seconds())
          .Bind(3, r.customer)
          .Bind(4, r.billing_country.code())
          .Bind(5, r.hq_country.code())
          .Bind(6, r.ship_to_country.code())
          .BindOptional(7, OptionalCountry(r.parent_country))
          .BindOptional(8, OptionalCountry(r.operator_country))
          .Bind(9, r.amount.minor_units())
          .Bind(10, r.amount.currency().code())
          .Bind(11, source)
          .Bind(12, int64_t{r.line});
      STRAITS_RETURN_IF_ERROR(insert.Run());
      ++stats.added;
    }
    STRAITS_RETURN_IF_ERROR(tx->Commit());
    return stats;
  }

  Result<LedgerRows> LoadLedger() override {
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT date, customer, billing_country, hq_country, ship_to_country, "
                      "parent_country, operator_country, amount_minor, currency, source, line, "
                      "invoice_id FROM billing_ledger ORDER BY date, invoice_id"));
    LedgerRows out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      STRAITS_ASSIGN_OR_RETURN(LedgerInvoice r,
                               ReadLedgerRow(stmt, stmt.Text(11), static_cast<int>(stmt.Int(10))));
      out.rows.push_back(std::move(r));
      out.sources.push_back(stmt.Text(9));
    }
  }

  // --- FX tables --------------------------------------------------------------

  Result<ImportStats> AddFxFile(const FxFile& file) override {
    STRAITS_ASSIGN_OR_RETURN(billing::FxTable incoming,
                             billing::FxTable::Parse(file.text, file.source));
    auto conn = pool_->Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(std::vector<FxFile> files, ReadFxFiles(*conn));
    billing::FxTable merged;
    for (const FxFile& f : files) {
      if (f.text == file.text) return ImportStats{0, 1};
      STRAITS_ASSIGN_OR_RETURN(billing::FxTable held,
                               Reparse(billing::FxTable::Parse(f.text, f.source), "fx table"));
      Status merged_ok = merged.Merge(held);
      if (!merged_ok.ok()) return Internal("corrupt billing fx tables: " + merged_ok.message());
    }
    STRAITS_RETURN_IF_ERROR(merged.Merge(incoming));
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert, conn->Prepare("INSERT INTO billing_fx_files(source, text) VALUES(?,?)"));
    insert.Bind(1, file.source).Bind(2, file.text);
    STRAITS_RETURN_IF_ERROR(insert.Run());
    STRAITS_RETURN_IF_ERROR(tx->Commit());
    return ImportStats{1, 0};
  }

  Result<std::vector<FxFile>> ListFxFiles() override {
    auto conn = pool_->Acquire();
    return ReadFxFiles(*conn);
  }

 private:
  static Result<std::vector<RateCardEntry>> ReadRateCards(Connection& conn) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT site, model, effective_from, currency, price_minor, discounts "
                     "FROM billing_rate_cards ORDER BY site, model, effective_from"));
    std::vector<RateCardEntry> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      STRAITS_ASSIGN_OR_RETURN(SiteId site, Reparse(SiteId::Parse(stmt.Text(0)), "rate site"));
      STRAITS_ASSIGN_OR_RETURN(ModelId model, Reparse(ModelId::Parse(stmt.Text(1)), "rate model"));
      STRAITS_ASSIGN_OR_RETURN(Currency currency,
                               Reparse(Currency::Parse(stmt.Text(3)), "rate currency"));
      STRAITS_ASSIGN_OR_RETURN(std::vector<billing::TermDiscount> discounts,
                               DecodeDiscounts(stmt.Text(5)));
      out.push_back(RateCardEntry{std::move(site), std::move(model),
                                  Instant::FromUnixSeconds(stmt.Int(2)),
                                  Money(stmt.Int(4), currency), std::move(discounts), 0});
    }
  }

  static Result<std::vector<LeaseTerms>> ReadLeaseTerms(Connection& conn) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT lease, account, site, model, gpus, start_at, end_at FROM "
                     "billing_lease_terms ORDER BY lease"));
    std::vector<LeaseTerms> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      STRAITS_ASSIGN_OR_RETURN(LeaseId lease, Reparse(LeaseId::Parse(stmt.Text(0)), "lease id"));
      STRAITS_ASSIGN_OR_RETURN(billing::AccountId account,
                               Reparse(billing::AccountId::Parse(stmt.Text(1)), "lease account"));
      STRAITS_ASSIGN_OR_RETURN(SiteId site, Reparse(SiteId::Parse(stmt.Text(2)), "lease site"));
      STRAITS_ASSIGN_OR_RETURN(ModelId model, Reparse(ModelId::Parse(stmt.Text(3)), "lease model"));
      STRAITS_ASSIGN_OR_RETURN(Interval term,
                               Reparse(Interval::Make(Instant::FromUnixSeconds(stmt.Int(5)),
                                                      Instant::FromUnixSeconds(stmt.Int(6))),
                                       "lease term"));
      out.push_back(LeaseTerms{std::move(lease), std::move(account), std::move(site),
                               std::move(model), static_cast<int>(stmt.Int(4)), term});
    }
  }

  static Result<Invoice> ReadDocument(Statement& stmt) {
    const std::string id = stmt.Text(0);
    const std::string kind = stmt.Text(1);
    if (kind != "invoice" && kind != "credit_note") {
      return Internal("corrupt billing document " + id + ": kind \"" + kind + "\"");
    }
    STRAITS_ASSIGN_OR_RETURN(billing::AccountId account,
                             Reparse(billing::AccountId::Parse(stmt.Text(2)), "document account"));
    STRAITS_ASSIGN_OR_RETURN(billing::Month period,
                             Reparse(billing::Month::Parse(stmt.Text(3)), "document period"));
    STRAITS_ASSIGN_OR_RETURN(Currency currency,
                             Reparse(Currency::Parse(stmt.Text(5)), "document currency"));
    return Invoice{
        id,
        kind == "invoice" ? billing::DocumentKind::kInvoice : billing::DocumentKind::kCreditNote,
        std::move(account),
        period,
        Instant::FromUnixSeconds(stmt.Int(4)),
        currency,
        {},
        Money(stmt.Int(6), currency),
        stmt.Text(7),
        stmt.Text(8)};
  }

  static Status ReadLines(Connection& conn, Invoice& doc) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT lease, site, model, from_at, to_at, gpu_seconds, unit_price_minor, "
                     "discount_bp, amount_minor, description FROM billing_document_lines "
                     "WHERE document = ? ORDER BY line_no"));
    stmt.Bind(1, doc.id);
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Status::Ok();
      STRAITS_ASSIGN_OR_RETURN(LeaseId lease, Reparse(LeaseId::Parse(stmt.Text(0)), "line lease"));
      STRAITS_ASSIGN_OR_RETURN(SiteId site, Reparse(SiteId::Parse(stmt.Text(1)), "line site"));
      STRAITS_ASSIGN_OR_RETURN(ModelId model, Reparse(ModelId::Parse(stmt.Text(2)), "line model"));
      doc.lines.push_back(InvoiceLine{
          std::move(lease), std::move(site), std::move(model),
          billing::PriceSegment{Instant::FromUnixSeconds(stmt.Int(3)),
                                Instant::FromUnixSeconds(stmt.Int(4)), stmt.Int(5),
                                Money(stmt.Int(6), doc.currency), static_cast<int>(stmt.Int(7))},
          Money(stmt.Int(8), doc.currency), stmt.Text(9)});
    }
  }

  static Result<std::vector<Invoice>> ReadDocuments(Connection& conn,
                                                    const DocumentFilter& filter) {
    std::string sql(kDocumentColumns);
    if (filter.period) sql += " WHERE period = ?";
    sql += " ORDER BY period, account, id";
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
    if (filter.period) stmt.Bind(1, filter.period->ToString());
    std::set<std::string> accounts;
    if (filter.accounts) {
      for (const billing::AccountId& a : *filter.accounts) accounts.insert(a.str());
    }
    std::vector<Invoice> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      if (filter.accounts && accounts.count(stmt.Text(2)) == 0) continue;
      STRAITS_ASSIGN_OR_RETURN(Invoice doc, ReadDocument(stmt));
      out.push_back(std::move(doc));
    }
    for (Invoice& doc : out) STRAITS_RETURN_IF_ERROR(ReadLines(conn, doc));
    return out;
  }

  // Columns: date, customer, billing, hq, ship_to, parent, operator, amount, currency.
  static Result<LedgerInvoice> ReadLedgerRow(Statement& stmt, std::string id, int line) {
    STRAITS_ASSIGN_OR_RETURN(Country billing_country,
                             Reparse(Country::Parse(stmt.Text(2)), "ledger country"));
    STRAITS_ASSIGN_OR_RETURN(Country hq, Reparse(Country::Parse(stmt.Text(3)), "ledger country"));
    STRAITS_ASSIGN_OR_RETURN(Country ship_to,
                             Reparse(Country::Parse(stmt.Text(4)), "ledger country"));
    STRAITS_ASSIGN_OR_RETURN(std::optional<Country> parent,
                             ReadOptionalCountry(stmt.OptionalText(5)));
    STRAITS_ASSIGN_OR_RETURN(std::optional<Country> op, ReadOptionalCountry(stmt.OptionalText(6)));
    STRAITS_ASSIGN_OR_RETURN(Currency currency,
                             Reparse(Currency::Parse(stmt.Text(8)), "ledger currency"));
    return LedgerInvoice{std::move(id),
                         Instant::FromUnixSeconds(stmt.Int(0)),
                         stmt.Text(1),
                         billing_country,
                         hq,
                         ship_to,
                         parent,
                         op,
                         Money(stmt.Int(7), currency),
                         line};
  }

  static Result<std::optional<Instant>> ReadWatermark(Connection& conn) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn.Prepare("SELECT metered_until FROM billing_meter_watermark WHERE id = 1"));
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return std::optional<Instant>();
    return std::optional<Instant>(Instant::FromUnixSeconds(stmt.Int(0)));
  }

  static Result<std::vector<FxFile>> ReadFxFiles(Connection& conn) {
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt, conn.Prepare("SELECT source, text FROM billing_fx_files ORDER BY seq"));
    std::vector<FxFile> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      out.push_back(FxFile{stmt.Text(0), stmt.Text(1)});
    }
  }

  std::unique_ptr<ConnectionPool> pool_;
};

}  // namespace

std::span<const std::string_view> BillingMigrations() { return kBillingMigrations; }

Result<std::unique_ptr<BillingStore>> OpenSqliteBillingStore(const std::string& path,
                                                             const SqliteBillingOptions& options) {
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<ConnectionPool> pool,
                           store::sqlite::OpenFamilyPool(path, "billing", kBillingMigrations,
                                                         std::max(1, options.connections)));
  return std::unique_ptr<BillingStore>(new SqliteBillingStore(std::move(pool)));
}

}  // namespace straits::billing_store

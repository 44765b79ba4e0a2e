#include "billing_store/sqlite_billing_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "billing/rating.h"
#include "billing/test_world.h"
#include "store/sqlite/db.h"
#include "store/sqlite/family.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::billing_store {
namespace {

using billing::testing::At;
using billing::testing::C;
using billing::testing::Cur;
using billing::testing::Hourly;

class SqliteBillingStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("straits-billing-store-" + std::to_string(getpid()) + ".db"))
                .string();
    Remove();
    ASSERT_TRUE(store::OpenSqliteStore(path_, {.create = true, .connections = 1}).ok());
    auto opened = OpenSqliteBillingStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  // Issued invoices drafted from the shared test world's usage in October.
  std::vector<billing::Invoice> OctoberDrafts() {
    billing::UsageLedger ledger;
    EXPECT_TRUE(
        ledger.Ingest(Hourly("L1", "jhb1-001", "2026-10-01T00:00:00Z", "2026-10-02T00:00:00Z", 8))
            .ok());
    EXPECT_TRUE(
        ledger.Ingest(Hourly("L2", "sg1-001", "2026-10-05T00:00:00Z", "2026-10-05T06:00:00Z", 8))
            .ok());
    auto drafts =
        billing::RateMonths(ledger, billing::testing::World(), billing::testing::Rates(),
                            *billing::Month::Parse("2026-10"), *billing::Month::Parse("2026-10"));
    EXPECT_TRUE(drafts.ok()) << drafts.status();
    return *drafts;
  }

  std::string path_;
  std::unique_ptr<BillingStore> store_;
};

TEST_F(SqliteBillingStoreTest, UsageIngestIsIdempotent) {
  auto records = Hourly("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T05:00:00Z", 8);
  auto first = store_->IngestUsage(records, "a.csv");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->added, 5);
  EXPECT_EQ(first->duplicates, 0);
  auto again = store_->IngestUsage(records, "a.csv");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->duplicates, 5);
  EXPECT_EQ(*store_->CountUsage(), 5);
}

TEST_F(SqliteBillingStoreTest, UsageOverlappingAStoredRecordFailsTheWholeBatch) {
  ASSERT_TRUE(
      store_
          ->IngestUsage(Hourly("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T03:00:00Z", 8),
                        "a.csv")
          .ok());
  // New hours after the stored ones, plus one record that starts inside the
  // last stored hour: the batch fails and none of it is written.
  auto batch = Hourly("L1", "n1", "2026-10-01T03:00:00Z", "2026-10-01T06:00:00Z", 8);
  batch.push_back(billing::UsageRecord{*LeaseId::Parse("L1"), *NodeId::Parse("n1"),
                                       At("2026-10-01T02:30:00Z"), At("2026-10-01T03:00:00Z"), 3600,
                                       7});
  auto result = store_->IngestUsage(batch, "b.csv");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().field(), "b.csv:7");
  EXPECT_EQ(*store_->CountUsage(), 3);
  // Another node of the same lease is another series: no overlap.
  auto other = store_->IngestUsage(
      Hourly("L1", "n2", "2026-10-01T00:00:00Z", "2026-10-01T03:00:00Z", 8), "c.csv");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->added, 3);
}

billing::UsageRecord Job(const char* lease, const char* node, const char* start, const char* end,
                         int64_t gpu_seconds, const char* series) {
  return billing::UsageRecord{
      *LeaseId::Parse(lease), *NodeId::Parse(node), At(start), At(end), gpu_seconds, 0, series};
}

TEST_F(SqliteBillingStoreTest, ConcurrentJobsOfOneLeaseOnOneNodeAreHeldAndSurviveRestart) {
  const std::vector<billing::UsageRecord> jobs = {
      Job("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 7200, "sg1:101:alloc"),
      Job("L1", "n1", "2026-10-01T00:30:00Z", "2026-10-01T01:30:00Z", 3600, "sg1:102:alloc")};
  // Polled one at a time, as the Slurm poller does, then both again.
  for (const billing::UsageRecord& job : jobs) {
    auto added = store_->IngestUsage(std::span(&job, 1), "slurm");
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_EQ(added->added, 1);
  }
  auto again = store_->IngestUsage(jobs, "slurm");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->duplicates, 2);
  // The same job with other GPU-seconds is refused: it would count twice.
  auto changed = store_->IngestUsage(std::vector{Job("L1", "n1", "2026-10-01T00:15:00Z",
                                                     "2026-10-01T01:00:00Z", 1, "sg1:101:alloc")},
                                     "slurm");
  EXPECT_EQ(changed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*store_->CountUsage(), 2);

  store_.reset();  // a restart
  auto reopened = OpenSqliteBillingStore(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  store_ = std::move(*reopened);
  auto october = store_->LoadUsage(At("2026-10-01"), At("2026-11-01"));
  ASSERT_TRUE(october.ok()) << october.status();
  ASSERT_EQ(october->size(), 2);
  EXPECT_EQ(october->Get(0).series, "sg1:101:alloc");
  EXPECT_EQ(october->Get(1).series, "sg1:102:alloc");
  auto sums =
      october->SumByLeaseAndBucket(billing::TimeBuckets{{At("2026-10-01"), At("2026-11-01")}});
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(*sums, std::vector<int64_t>{7200 + 3600});
  EXPECT_EQ(store_->IngestUsage(jobs, "slurm")->duplicates, 2);
}

TEST_F(SqliteBillingStoreTest, UsageLoadsByStartInTimeOrder) {
  ASSERT_TRUE(
      store_
          ->IngestUsage(Hourly("L1", "n1", "2026-09-30T22:00:00Z", "2026-10-01T02:00:00Z", 4),
                        "a.csv")
          .ok());
  // A back-filled earlier hour of the same series.
  ASSERT_TRUE(
      store_
          ->IngestUsage(Hourly("L1", "n1", "2026-09-30T20:00:00Z", "2026-09-30T21:00:00Z", 4),
                        "b.csv")
          .ok());
  auto october = store_->LoadUsage(At("2026-10-01"), At("2026-11-01"));
  ASSERT_TRUE(october.ok()) << october.status();
  EXPECT_EQ(october->size(), 2);
  auto all = store_->LoadUsage(At("2026-09-01"), At("2026-11-01"));
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 5);
  EXPECT_EQ(all->Get(0).start, At("2026-09-30T20:00:00Z"));
}

TEST_F(SqliteBillingStoreTest, RateCardsRoundTripAndNeverChange) {
  auto cards = billing::ParseRateCardsCsv(billing::testing::kRatesCsv, "rates.csv");
  ASSERT_TRUE(cards.ok());
  auto added = store_->AddRateCards(*cards, "rates.csv");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->added, 3);
  auto again = store_->AddRateCards(*cards, "rates.csv");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->added, 0);
  EXPECT_EQ(again->unchanged, 3);

  auto loaded = store_->LoadRateCards();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->entries().size(), 3u);
  auto entry = loaded->Find(*SiteId::Parse("jhb-1"), *ModelId::Parse("h100"), At("2026-11-01"));
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ((*entry)->price_per_gpu_hour.ToString(), "14.00 MYR");
  ASSERT_EQ((*entry)->discounts.size(), 2u);
  EXPECT_EQ(billing::DiscountBasisPoints(**entry, Duration::Days(182)), 1250);

  struct Case {
    const char* csv;
    const char* field;
  };
  const Case cases[] = {
      // Another price for a stored site, model and date.
      {"site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n"
       "jhb-1,h100,2026-10-16,MYR,13.00,\n",
       "new.csv:2"},
      // Another currency for a site that invoices in MYR.
      {"site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n"
       "jhb-1,h200,2026-01-01,USD,5.00,\n",
       "new.csv:2"},
  };
  for (const Case& c : cases) {
    auto parsed = billing::ParseRateCardsCsv(c.csv, "new.csv");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto refused = store_->AddRateCards(*parsed, "new.csv");
    ASSERT_FALSE(refused.ok()) << c.csv;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().field(), c.field);
  }
  EXPECT_EQ(store_->LoadRateCards()->entries().size(), 3u);
}

TEST_F(SqliteBillingStoreTest, LeaseTermsAndAccounts) {
  const billing::BillingCatalog world = billing::testing::World();
  std::vector<LeaseTermsRow> rows;
  for (const billing::LeaseTerms& t : world.leases()) rows.push_back({t, 2});
  auto added = store_->AddLeaseTerms(rows, "terms.csv");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->added, 2);
  EXPECT_EQ(store_->AddLeaseTerms(rows, "terms.csv")->unchanged, 2);

  std::vector<LeaseTermsRow> changed = {rows[0]};
  changed[0].terms.gpus = 16;
  auto refused = store_->AddLeaseTerms(changed, "terms.csv");
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  std::vector<LeaseTermsRow> twice = {rows[0], rows[0]};
  twice[1].line = 3;
  EXPECT_EQ(store_->AddLeaseTerms(twice, "terms.csv").status().field(), "terms.csv:3");

  auto listed = store_->ListLeaseTerms();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id.str(), "L1");
  EXPECT_EQ((*listed)[0].gpus, 8);
  EXPECT_EQ((*listed)[0].term, world.leases()[0].term);

  ASSERT_TRUE(store_->PutAccounts(world.accounts()).ok());
  std::vector<billing::BillingAccount> moved = {world.accounts()[0]};
  moved[0].billing_country = C("MY");
  ASSERT_TRUE(store_->PutAccounts(moved).ok());
  auto accounts = store_->ListAccounts();
  ASSERT_TRUE(accounts.ok());
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ((*accounts)[0].id.str(), "hz-sg-billing");
  EXPECT_EQ((*accounts)[0].billing_country, C("MY"));
}

TEST_F(SqliteBillingStoreTest, IssuedDocumentsRoundTripAndAreImmutable) {
  std::vector<billing::Invoice> drafts = OctoberDrafts();
  ASSERT_EQ(drafts.size(), 2u);
  ASSERT_TRUE(store_->IssueDocuments(drafts, At("2026-11-02")).ok());

  auto got = store_->GetDocument(drafts[0].id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(billing::InvoiceToJson(*got), billing::InvoiceToJson(drafts[0]));
  EXPECT_EQ(store_->GetDocument("INV-nope").status().code(), StatusCode::kNotFound);

  // Re-issuing an id fails the whole batch.
  billing::Invoice credit = *billing::PartialCredit(
      drafts[0], Money(100, drafts[0].currency), At("2026-11-10"), "CN-goodwill-1", "SLA breach");
  std::vector<billing::Invoice> batch = {credit, drafts[1]};
  Status again = store_->IssueDocuments(batch, At("2026-11-10"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->GetDocument("CN-goodwill-1").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->IssueDocuments(std::vector<billing::Invoice>{credit}, At("2026-11-10")).ok());
  // Credits beyond the invoice's total are refused.
  billing::Invoice too_much =
      *billing::PartialCredit(drafts[0], drafts[0].total, At("2026-11-11"), "CN-goodwill-2", "x");
  EXPECT_EQ(
      store_->IssueDocuments(std::vector<billing::Invoice>{too_much}, At("2026-11-11")).code(),
      StatusCode::kFailedPrecondition);

  auto october = store_->ListDocuments({*billing::Month::Parse("2026-10"), std::nullopt});
  ASSERT_TRUE(october.ok());
  EXPECT_EQ(october->size(), 3u);
  auto one_account =
      store_->ListDocuments({std::nullopt, std::vector<billing::AccountId>{drafts[0].account}});
  ASSERT_TRUE(one_account.ok());
  ASSERT_EQ(one_account->size(), 2u);
  for (const billing::Invoice& d : *one_account) EXPECT_EQ(d.account, drafts[0].account);
  EXPECT_TRUE(store_->ListDocuments({*billing::Month::Parse("2026-09"), std::nullopt})->empty());

  // The database itself refuses to change issued documents.
  auto conn = store::sqlite::Connection::Open(path_, false);
  ASSERT_TRUE(conn.ok());
  EXPECT_FALSE((*conn)->Exec("UPDATE billing_documents SET total_minor = 0").ok());
  EXPECT_FALSE((*conn)->Exec("DELETE FROM billing_document_lines").ok());
  EXPECT_FALSE((*conn)->Exec("DELETE FROM billing_documents").ok());
  EXPECT_EQ(store_->GetDocument(drafts[0].id)->total, drafts[0].total);
}

TEST_F(SqliteBillingStoreTest, LedgerImportIsIdempotentAndRefusesChanges) {
  const char* csv =
      "invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency\n"
      "V-1,2025-05-12,Acme,SG,US,TW,100.00,USD\n"
      "V-2,2025-05-13,Beta,US,US,US,50.00,SGD\n";
  auto rows = billing::ParseLedgerCsv(csv, "ledger.csv");
  ASSERT_TRUE(rows.ok());
  auto added = store_->AddLedger(*rows, "ledger.csv");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->added, 2);
  EXPECT_EQ(store_->AddLedger(*rows, "ledger.csv")->unchanged, 2);

  auto changed = billing::ParseLedgerCsv(
      "invoice_id,date,customer,billing_country,hq_country,ship_to_country,amount,currency\n"
      "V-3,2025-05-14,Gamma,US,US,US,1.00,USD\n"
      "V-2,2025-05-13,Beta,US,US,US,51.00,SGD\n",
      "fix.csv");
  ASSERT_TRUE(changed.ok());
  auto refused = store_->AddLedger(*changed, "fix.csv");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().field(), "fix.csv:3");
  EXPECT_NE(refused.status().message().find("ledger.csv:3"), std::string::npos);

  auto loaded = store_->LoadLedger();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->rows.size(), 2u);  // V-3 was not half-imported
  EXPECT_EQ(loaded->rows[1].invoice_id, "V-2");
  EXPECT_EQ(loaded->rows[1].amount.ToString(), "50.00 SGD");
  EXPECT_EQ(loaded->rows[1].line, 3);
  EXPECT_EQ(loaded->sources[1], "ledger.csv");
  EXPECT_FALSE(loaded->rows[1].parent_country.has_value());
}

TEST_F(SqliteBillingStoreTest, FxFilesMergeOrAreRefused) {
  const FxFile a{"a.csv", "date,currency,per_usd\n2026-11-02,SGD,1.2923\n"};
  const FxFile b{"b.csv", "date,currency,per_usd\n2026-11-02,MYR,4.2\n"};
  const FxFile clash{"c.csv", "date,currency,per_usd\n2026-11-02,SGD,1.3\n"};
  EXPECT_EQ(store_->AddFxFile(a)->added, 1);
  EXPECT_EQ(store_->AddFxFile(a)->unchanged, 1);
  EXPECT_EQ(store_->AddFxFile(b)->added, 1);
  auto refused = store_->AddFxFile(clash);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddFxFile(FxFile{"d.csv", "date,currency,per_usd\n2026-11-02,XXX,1\n"})
                .status()
                .field(),
            "d.csv:2");
  auto files = store_->ListFxFiles();
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].source, "a.csv");
}

TEST_F(SqliteBillingStoreTest, MigratesOnceAsItsOwnFamily) {
  store_.reset();
  auto reopened = OpenSqliteBillingStore(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto conn = store::sqlite::Connection::Open(path_, false);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(*store::sqlite::FamilyVersion(**conn, "billing"),
            static_cast<int>(BillingMigrations().size()));
  EXPECT_EQ(OpenSqliteBillingStore(path_ + ".absent").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteBillingStoreTest, UsageOfADatabaseFromBeforeSeriesKeysIsKeptAndStillRefusesOverlaps) {
  store_.reset();
  Remove();
  ASSERT_TRUE(store::OpenSqliteStore(path_, {.create = true, .connections = 1}).ok());
  {
    // The billing family as the binary before series keys left it (two
    // steps), with usage and an invoice.
    auto conn = store::sqlite::Connection::Open(path_, false);
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(store::sqlite::MigrateFamily(**conn, "billing", BillingMigrations().first(2)).ok());
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO billing_usage(lease, node, start_at, end_at, gpu_seconds) "
                           "VALUES ('L1', 'n1', 1790812800, 1790816400, 28800), "
                           "('L1', 'n1', 1790816400, 1790820000, 14400), "
                           "('L2', 'n2', 1790812800, 1790816400, 3600)")
                    .ok());
  }
  auto opened = OpenSqliteBillingStore(path_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  store_ = std::move(*opened);
  {
    auto conn = store::sqlite::Connection::Open(path_, false);
    ASSERT_TRUE(conn.ok());
    EXPECT_EQ(*store::sqlite::FamilyVersion(**conn, "billing"), 3);
  }
  // Every old record is whole-node usage, with the same totals.
  auto all = store_->LoadUsage(At("2026-10-01"), At("2026-11-01"));
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3);
  for (int64_t i = 0; i < all->size(); ++i) EXPECT_EQ(all->Get(i).series, "");
  auto sums = all->SumByLeaseAndBucket(billing::TimeBuckets{{At("2026-10-01"), At("2026-11-01")}});
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(*sums, (std::vector<int64_t>{28800 + 14400, 3600}));
  // Re-importing them changes nothing; overlapping them differently is refused.
  auto again = store_->IngestUsage(
      Hourly("L1", "n1", "2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z", 8), "old.csv");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->duplicates, 1);
  EXPECT_EQ(store_
                ->IngestUsage(Hourly("L1", "n1", "2026-10-01T00:30:00Z", "2026-10-01T01:30:00Z", 1),
                              "new.csv")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // A job's usage is its own series beside them.
  auto job = store_->IngestUsage(std::vector{Job("L1", "n1", "2026-10-01T00:30:00Z",
                                                 "2026-10-01T01:30:00Z", 3600, "sg1:7:alloc")},
                                 "slurm");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(*store_->CountUsage(), 4);
}

}  // namespace
}  // namespace straits::billing_store

// A small, fixed world for billing tests: a Hangzhou group leasing GPUs in
// Johor through its Singapore subsidiary, and a US lab invoiced in Singapore
// for GPUs in Singapore. Test-only.
#pragma once

#include <string>
#include <vector>

#include "billing/catalog.h"
#include "billing/rate_card.h"
#include "billing/usage.h"

namespace straits::billing::testing {

inline Instant At(const std::string& text) { return *Instant::Parse(text); }
inline Country C(const char* code) { return *Country::Parse(code); }
inline Currency Cur(const char* code) { return *Currency::Parse(code); }

inline BillingCatalog World() {
  std::vector<OrgProfile> orgs = {
      {*OrgId::Parse("hz-group"), C("CN"), *OrgId::Parse("hz-group"), C("CN")},
      {*OrgId::Parse("hz-sg"), C("SG"), *OrgId::Parse("hz-group"), C("CN")},
      {*OrgId::Parse("us-lab"), C("US"), *OrgId::Parse("us-lab"), C("US")},
  };
  std::vector<BillingAccount> accounts = {
      {*AccountId::Parse("hz-sg-billing"), *OrgId::Parse("hz-sg"), C("SG")},
      {*AccountId::Parse("us-lab-sg"), *OrgId::Parse("us-lab"), C("SG")},
  };
  std::vector<SiteProfile> sites = {
      {*SiteId::Parse("jhb-1"), C("MY"), Cur("MYR"), *OrgId::Parse("jh-op"), C("SG")},
      {*SiteId::Parse("sg-1"), C("SG"), Cur("SGD"), *OrgId::Parse("sg-op"), C("US")},
  };
  std::vector<LeaseTerms> leases = {
      {*LeaseId::Parse("L1"), *AccountId::Parse("hz-sg-billing"), *SiteId::Parse("jhb-1"),
       *ModelId::Parse("h100"), 8, *Interval::Make(At("2026-10-01"), At("2027-04-01"))},
      {*LeaseId::Parse("L2"), *AccountId::Parse("us-lab-sg"), *SiteId::Parse("sg-1"),
       *ModelId::Parse("h100"), 16, *Interval::Make(At("2026-10-05"), At("2026-10-15"))},
  };
  return *BillingCatalog::Make(std::move(accounts), std::move(orgs), std::move(sites),
                               std::move(leases));
}

inline constexpr const char* kRatesCsv =
    "site,model,effective_from,currency,price_per_gpu_hour,term_discounts\n"
    "jhb-1,h100,2026-01-01,MYR,15.00,30d:5%;180d:12.5%\n"
    "jhb-1,h100,2026-10-16,MYR,14.00,30d:5%;180d:12.5%\n"
    "sg-1,h100,2026-01-01,SGD,4.00,30d:10%\n";

inline RateCards Rates() { return *ParseRateCardsCsv(kRatesCsv, "rates.csv"); }

// Hourly records for `gpus` GPUs on one node from `from` to `to`.
inline std::vector<UsageRecord> Hourly(const char* lease, const char* node, const char* from,
                                       const char* to, int gpus) {
  std::vector<UsageRecord> out;
  for (Instant t = At(from); t < At(to); t = t + Duration::Hours(1)) {
    out.push_back(UsageRecord{*LeaseId::Parse(lease), *NodeId::Parse(node), t,
                              t + Duration::Hours(1), int64_t{3600} * gpus, 0});
  }
  return out;
}

}  // namespace straits::billing::testing

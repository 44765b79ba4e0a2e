// BillingCatalog: the accounts, organizations, sites and leases that rating
// and attribution look up, validated and indexed by id.
//
// Thread-safety: immutable after Make; const methods may run concurrently.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "billing/entities.h"
#include "core/status.h"

namespace straits::billing {

class BillingCatalog {
 public:
  // Validates references: every account's org, every lease's account and
  // site, and every id unique. invalid_argument with a field path such as
  // `leases[3].site` otherwise.
  static Result<BillingCatalog> Make(std::vector<BillingAccount> accounts,
                                     std::vector<OrgProfile> orgs, std::vector<SiteProfile> sites,
                                     std::vector<LeaseTerms> leases);

  // nullptr if unknown.
  const BillingAccount* Account(const AccountId& id) const;
  const OrgProfile* Org(const OrgId& id) const;
  const SiteProfile* Site(const SiteId& id) const;
  const LeaseTerms* Lease(const LeaseId& id) const;

  const std::vector<BillingAccount>& accounts() const { return accounts_; }
  const std::vector<LeaseTerms>& leases() const { return leases_; }

 private:
  std::vector<BillingAccount> accounts_;
  std::vector<OrgProfile> orgs_;
  std::vector<SiteProfile> sites_;
  std::vector<LeaseTerms> leases_;
  std::unordered_map<std::string, size_t> account_index_, org_index_, site_index_, lease_index_;
};

}  // namespace straits::billing

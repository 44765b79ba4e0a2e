#include "billing/catalog.h"

namespace straits::billing {
namespace {

template <typename T, typename IdOf>
Status IndexUnique(const std::vector<T>& items, std::string_view list,
                   std::unordered_map<std::string, size_t>& index, IdOf id_of) {
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& id = id_of(items[i]).str();
    const std::string field = std::string(list) + "[" + std::to_string(i) + "].id";
    if (id.empty()) return InvalidArgument("id is missing", field);
    if (!index.emplace(id, i).second) {
      return InvalidArgument("duplicate id \"" + id + "\"", field);
    }
  }
  return Status::Ok();
}

template <typename T>
const T* Lookup(const std::vector<T>& items, const std::unordered_map<std::string, size_t>& index,
                const std::string& id) {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &items[it->second];
}

}  // namespace

Result<BillingCatalog> BillingCatalog::Make(std::vector<BillingAccount> accounts,
                                            std::vector<OrgProfile> orgs,
                                            std::vector<SiteProfile> sites,
                                            std::vector<LeaseTerms> leases) {
  BillingCatalog c;
  c.accounts_ = std::move(accounts);
  c.orgs_ = std::move(orgs);
  c.sites_ = std::move(sites);
  c.leases_ = std::move(leases);
  STRAITS_RETURN_IF_ERROR(
      IndexUnique(c.accounts_, "accounts", c.account_index_,
                  [](const BillingAccount& a) -> const AccountId& { return a.id; }));
  STRAITS_RETURN_IF_ERROR(IndexUnique(c.orgs_, "orgs", c.org_index_,
                                      [](const OrgProfile& o) -> const OrgId& { return o.id; }));
  STRAITS_RETURN_IF_ERROR(IndexUnique(c.sites_, "sites", c.site_index_,
                                      [](const SiteProfile& s) -> const SiteId& { return s.id; }));
  STRAITS_RETURN_IF_ERROR(IndexUnique(c.leases_, "leases", c.lease_index_,
                                      [](const LeaseTerms& l) -> const LeaseId& { return l.id; }));
  for (size_t i = 0; i < c.accounts_.size(); ++i) {
    if (c.Org(c.accounts_[i].org) == nullptr) {
      return InvalidArgument("unknown organization \"" + c.accounts_[i].org.str() + "\"",
                             "accounts[" + std::to_string(i) + "].org");
    }
  }
  for (size_t i = 0; i < c.leases_.size(); ++i) {
    const LeaseTerms& l = c.leases_[i];
    const std::string at = "leases[" + std::to_string(i) + "]";
    if (c.Account(l.account) == nullptr) {
      return InvalidArgument("unknown billing account \"" + l.account.str() + "\"",
                             at + ".account");
    }
    if (c.Site(l.site) == nullptr) {
      return InvalidArgument("unknown site \"" + l.site.str() + "\"", at + ".site");
    }
    if (l.gpus < 1) return InvalidArgument("gpus must be at least 1", at + ".gpus");
  }
  return c;
}

const BillingAccount* BillingCatalog::Account(const AccountId& id) const {
  return Lookup(accounts_, account_index_, id.str());
}
const OrgProfile* BillingCatalog::Org(const OrgId& id) const {
  return Lookup(orgs_, org_index_, id.str());
}
const SiteProfile* BillingCatalog::Site(const SiteId& id) const {
  return Lookup(sites_, site_index_, id.str());
}
const LeaseTerms* BillingCatalog::Lease(const LeaseId& id) const {
  return Lookup(leases_, lease_index_, id.str());
}

}  // namespace straits::billing

// The plain facts the billing engine needs about the world. Other modules own
// these entities (organizations, sites, leases); callers copy the few fields
// billing uses into these structs, so billing depends on core only.
//
// Thread-safety: plain value types.
#pragma once

#include "core/country.h"
#include "core/ids.h"
#include "core/money.h"
#include "core/time.h"

namespace straits {
// A lease's id. A plain alias so that it can move to core unchanged.
using LeaseId = Id<struct LeaseIdTag>;
}  // namespace straits

namespace straits::billing {

// An organization's billing entity. Its billing country is where invoices are
// addressed and may differ from the organization's headquarters (a US lab
// invoiced through its Singapore subsidiary).
using AccountId = Id<struct BillingAccountIdTag>;

struct BillingAccount {
  AccountId id;
  OrgId org;
  Country billing_country;
};

// What attribution needs about a customer organization.
struct OrgProfile {
  OrgId id;
  Country hq;
  // The organization at the top of its ownership chain (itself if independent)
  // and that parent's headquarters.
  OrgId ultimate_parent;
  Country parent_hq;
};

// What rating and attribution need about a site.
struct SiteProfile {
  SiteId id;
  Country country;    // where the GPUs physically run
  Currency currency;  // the currency of the site's rate card and invoices
  OrgId operator_org;
  Country operator_hq;
};

// A lease as billing sees it: who pays, where it runs, on which accelerator,
// and the booked term (its length selects the term discount).
struct LeaseTerms {
  LeaseId id;
  AccountId account;
  SiteId site;
  ModelId model;
  int gpus = 0;
  Interval term;
};

}  // namespace straits::billing

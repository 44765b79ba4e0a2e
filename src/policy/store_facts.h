// The facts the compliance engine needs from the database: parties and sites
// named by id in a check request, running totals for aggregate rules, and the
// world a what-if runs over. Shared by `straits check|whatif` and the HTTP
// routes (POST /v1/compliance/check, POST /v1/compliance/whatif).
//
//   policy::CheckRequest request = ...;          // from CheckRequestFromJson
//   STRAITS_RETURN_IF_ERROR(ResolveFromStore(store, request));
//   STRAITS_RETURN_IF_ERROR(FillRunningTotals(store, engine, request));
//
// Running totals (docs/compliance.md, "Aggregate limits"). The fleet records
// the accelerators installed at each site, which is hardware already shipped
// into the site's country; it records no shipment dates. So:
//   - totals.country_tpp: TPP (per-chip TPP x GPUs) of every accelerator
//     installed at sites in the destination country;
//   - totals.consignee_year_tpp: when the consignee's name (or an alias) is an
//     organization in the database, the TPP installed at the sites it
//     operates, all counted in the current year (an upper bound, as dates are
//     not recorded); otherwise it stays unknown, and rules needing it fail
//     closed.
// Leases move no hardware (remote access is not an export) and count in
// neither. A model whose TPP the catalog does not publish makes the total
// unknown. Totals given in the request are kept.
//
// Thread-safety: functions over a thread-safe Store.
#pragma once

#include "core/status.h"
#include "lease_store/lease_store.h"
#include "policy/check.h"
#include "policy/engine.h"
#include "policy/party.h"
#include "policy/whatif.h"
#include "store/store.h"

namespace straits::policy {

// The organization as screening sees it: names, headquarters and owners from
// the direct parent to the ultimate parent (a loop stops where it closes).
Result<Party> PartyFromStore(store::Store& store, const fleet::Organization& org);

// Fills the tenant from request.tenant.id and the site country and operator
// from request.site_id. not_found naming "tenant_id" / "site_id".
Status ResolveFromStore(store::Store& store, CheckRequest& request);

// Fills totals not given in an export request (see above).
Status FillRunningTotals(store::Store& store, const Engine& engine, CheckRequest& request);

// Every tenant organization, every site with its operator and installed
// models, and, with `leases`, every lease that holds or will hold capacity
// (pending_review, scheduled, active, compliance_hold) as a combination with
// its own GPU count, end use and training compute.
Result<WhatIfWorld> WhatIfWorldFromStore(store::Store& store, lease_store::LeaseStore* leases);

}  // namespace straits::policy

// Dual control for compliance overrides: approving a lease whose verdict is
// license_required takes two different compliance users (or admins). The
// first approval is recorded as pending (202, audited in the accounts
// store's approval log); the second, by someone else, approves the lease
// through the wrapped handler with a reason that names both approvers, so the
// lease's hash-chained audit entry records both. Operators may approve only
// leases that need no compliance sign-off.
//
//   {"POST", "/v1/leases/{id}/approve", true, WithDualControl(ApproveLease), ...}
//
// Leases of any other verdict pass straight to the wrapped handler.
//
// Thread-safety: the returned handler is safe to call concurrently; two
// first approvals racing for one lease leave one pending (the other gets 409).
#pragma once

#include <boost/json.hpp>

#include "api/router.h"
#include "lease/lease.h"

namespace straits::api {

Handler WithDualControl(Handler approve);

// The first approval a license_required lease awaiting review holds, as
// {"approved_by", "at", "reason", "license", "needs"}; null when there is none
// (or the server has no database), so the second officer sees whom they confirm.
Result<boost::json::value> PendingApprovalJson(const Context& ctx, const lease::Lease& lease);

}  // namespace straits::api

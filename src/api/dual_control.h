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

#include "api/router.h"

namespace straits::api {

Handler WithDualControl(Handler approve);

}  // namespace straits::api

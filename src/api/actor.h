// Who a request acts as, for the lease and billing services: the audit name,
// the idempotency scope and, for a tenant, its organization and the
// subsidiaries it was granted. One place, so that every route scopes a tenant
// the same way.
#pragma once

#include "api/router.h"
#include "billing_store/billing_service.h"
#include "lease/service.h"

namespace straits::api {

inline lease::Actor LeaseActorOf(const Context& ctx) {
  lease::Actor actor{"token:" + ctx.identity.token_id + " (" + ctx.identity.name + ")",
                     ctx.identity.token_id, ctx.identity.org};
  if (ctx.identity.org) actor.granted = ctx.identity.granted_orgs;
  return actor;
}

inline billing_store::Scope BillingScopeOf(const Context& ctx) {
  billing_store::Scope scope{ctx.identity.org};
  if (ctx.identity.org) scope.granted = ctx.identity.granted_orgs;
  return scope;
}

}  // namespace straits::api

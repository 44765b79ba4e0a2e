#include "api/dual_control.h"

#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "auth/accounts.h"
#include "lease/json.h"
#include "lease/service.h"

namespace straits::api {
namespace {

namespace json = boost::json;

bool AwaitsReview(const lease::Lease& lease) {
  return lease.state == lease::State::kPendingReview ||
         lease.state == lease::State::kComplianceHold;
}

json::object PendingJson(const auth::PendingApproval& p) {
  return json::object{{"approved_by", p.user},
                      {"at", p.at.ToString()},
                      {"reason", p.reason},
                      {"license", p.license},
                      {"needs", "confirmation by a second compliance user"}};
}

Result<Response> Gate(const Handler& approve, Context& ctx) {
  if (!ctx.services.leases) return approve(ctx);
  Result<LeaseId> id = LeaseId::Parse(ctx.params.at("id"));
  if (!id.ok()) return approve(ctx);
  const lease::Actor actor = LeaseActorOf(ctx);
  Result<lease::Lease> lease = ctx.services.leases->Get(*id, actor);
  if (!lease.ok() || lease->verdict != policy::Verdict::kLicenseRequired || !AwaitsReview(*lease)) {
    return approve(ctx);
  }
  if (ctx.identity.role != auth::Role::kCompliance && ctx.identity.role != auth::Role::kAdmin) {
    return PermissionDenied("lease " + id->str() +
                            " needs a license (verdict license_required): two compliance users "
                            "must approve it");
  }
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"reason", "license"}));
  STRAITS_ASSIGN_OR_RETURN(std::string reason, RequiredString(body, "reason"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> license, OptionalString(body, "license"));
  STRAITS_ASSIGN_OR_RETURN(auth::AccountStore * accounts,
                           auth::SharedAccountStore(ctx.services.db_path));
  const std::string subject = "lease:" + id->str();
  const Instant now = ctx.services.clock.Now();
  STRAITS_ASSIGN_OR_RETURN(std::optional<auth::PendingApproval> pending,
                           accounts->FindPendingApproval(subject));
  if (!pending) {
    if (!license || license->empty()) {
      return InvalidArgument("a license_required lease needs the license or permit number",
                             "license");
    }
    STRAITS_RETURN_IF_ERROR(accounts->AddPendingApproval(
        {subject, ctx.identity.name, reason, license.value_or(""), now}));
    json::object out = lease::LeaseToJson(*lease);
    out["pending_approval"] =
        PendingJson({subject, ctx.identity.name, reason, license.value_or(""), now});
    return JsonResponse(out, 202);
  }
  if (pending->user == ctx.identity.name) {
    return FailedPrecondition("lease " + id->str() + " was approved by " + pending->user + " at " +
                                  pending->at.ToString() +
                                  "; a second, different compliance user must confirm",
                              "id");
  }
  json::object confirmed{{"reason", reason + " (dual control: approved by " + pending->user +
                                        " at " + pending->at.ToString() + ": " + pending->reason +
                                        "; confirmed by " + ctx.identity.name + ")"},
                         {"license", license && !license->empty() ? *license : pending->license}};
  Request request = ctx.request;
  request.body = json::serialize(confirmed);
  Context inner{request, ctx.params, ctx.identity, ctx.services};
  Result<Response> response = approve(inner);
  if (response.ok() && response->status == 200) {
    STRAITS_RETURN_IF_ERROR(
        accounts->ResolvePendingApproval(subject, "confirmed by " + ctx.identity.name, now));
  }
  return response;
}

}  // namespace

Result<json::value> PendingApprovalJson(const Context& ctx, const lease::Lease& lease) {
  if (ctx.services.db_path.empty() || lease.verdict != policy::Verdict::kLicenseRequired ||
      !AwaitsReview(lease)) {
    return json::value(nullptr);
  }
  STRAITS_ASSIGN_OR_RETURN(auth::AccountStore * accounts,
                           auth::SharedAccountStore(ctx.services.db_path));
  STRAITS_ASSIGN_OR_RETURN(std::optional<auth::PendingApproval> pending,
                           accounts->FindPendingApproval("lease:" + lease.id.str()));
  if (!pending) return json::value(nullptr);
  return json::value(PendingJson(*pending));
}

Handler WithDualControl(Handler approve) {
  return [approve = std::move(approve)](Context& ctx) { return Gate(approve, ctx); };
}

}  // namespace straits::api

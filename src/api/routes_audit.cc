// The audit trail: verify the hash chain, export entries.
#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "lease/service.h"

namespace straits::api {
namespace {

constexpr size_t kMaxEntries = 10'000;

lease::Actor ActorOf(const Context& ctx) { return LeaseActorOf(ctx); }

Result<std::optional<Instant>> QueryTime(const Context& ctx, const std::string& name) {
  const std::string* text = ctx.request.Query(name);
  if (!text) return std::optional<Instant>();
  Result<Instant> t = Instant::Parse(*text);
  if (!t.ok()) return InvalidArgument(t.status().message(), name);
  return std::optional<Instant>(*t);
}

Result<Response> VerifyAudit(Context& ctx) {
  if (!ctx.services.leases) return Unavailable("leases are not enabled on this server");
  STRAITS_ASSIGN_OR_RETURN(lease_store::AuditVerification v,
                           ctx.services.leases->VerifyAudit(ActorOf(ctx)));
  boost::json::object out{{"ok", v.ok}, {"entries", v.entries}, {"message", v.message}};
  out["first_bad"] = v.first_bad ? boost::json::value(*v.first_bad) : boost::json::value(nullptr);
  return JsonResponse(out);
}

Result<Response> ListAudit(Context& ctx) {
  if (!ctx.services.leases) return Unavailable("leases are not enabled on this server");
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> from, QueryTime(ctx, "from"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> to, QueryTime(ctx, "to"));
  boost::json::array items;
  bool truncated = false;
  STRAITS_RETURN_IF_ERROR(ctx.services.leases->ExportAudit(
      from, to,
      [&](const lease_store::AuditEntry& e) {
        if (items.size() == kMaxEntries) {
          truncated = true;
          return false;
        }
        boost::system::error_code ec;
        boost::json::value detail = boost::json::parse(e.detail, ec);
        items.push_back(boost::json::object{{"seq", e.seq},
                                            {"at", e.at.ToString()},
                                            {"actor", e.actor},
                                            {"action", e.action},
                                            {"subject", e.subject},
                                            {"detail", ec ? boost::json::value(e.detail) : detail},
                                            {"prev_hash", e.prev_hash},
                                            {"hash", e.hash}});
        return true;
      },
      ActorOf(ctx)));
  return JsonResponse(boost::json::object{{"items", std::move(items)}, {"truncated", truncated}});
}

}  // namespace

RouteFamily AuditRoutes() {
  return {.routes = {{"GET", "/v1/audit", true, ListAudit, Roles(kCompliance, kAuditor)},
                     {"GET", "/v1/audit/verify", true, VerifyAudit, Roles(kCompliance, kAuditor)}},
          .operations = {{"get",
                          "/v1/audit",
                          "audit",
                          "Audit entries with from <= at < to, in order (at most 10,000; "
                          "`straits audit export` streams any number)",
                          {{"from", "query", false, "ISO 8601 instant or date."},
                           {"to", "query", false, "ISO 8601 instant or date (exclusive)."}},
                          nullptr,
                          {{"200", "AuditEntries"}, {"400", "Error"}, {"403", "Error"}},
                          true},
                         {"get",
                          "/v1/audit/verify",
                          "audit",
                          "Walk the SHA-256 hash chain; name the first entry altered or removed",
                          {},
                          nullptr,
                          {{"200", "AuditVerification"}, {"403", "Error"}},
                          true}},
          .schemas = R"json({
    "AuditEntry": {"type": "object", "properties": {
      "seq": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
      "action": {"type": "string"}, "subject": {"type": "string"},
      "detail": {"type": "object"}, "prev_hash": {"type": "string"},
      "hash": {"type": "string", "description": "SHA-256 of prev_hash and the entry's fields."}}},
    "AuditEntries": {"type": "object", "properties": {
      "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
      "truncated": {"type": "boolean"}}},
    "AuditVerification": {"type": "object", "properties": {
      "ok": {"type": "boolean"}, "entries": {"type": "integer"},
      "first_bad": {"type": ["integer", "null"]}, "message": {"type": "string"}}}
  })json"};
}

}  // namespace straits::api

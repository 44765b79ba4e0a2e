// Jobs inside a lease on a Slurm site, and where the lease stands on its
// site's backend: POST/GET /v1/leases/{id}/jobs, DELETE
// /v1/leases/{id}/jobs/{job}, GET /v1/leases/{id}/backend. A tenant reaches
// only its own leases (others are not found, through the lease service).
#include <boost/json.hpp>

#include "api/actor.h"
#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "backend/backend_store.h"
#include "backend/dispatcher.h"
#include "lease/service.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::api {
namespace {

namespace json = boost::json;

// What a job request needs: the lease as the caller may see it and a dispatcher.
struct JobScope {
  lease::Lease lease;
  std::unique_ptr<lease_store::LeaseStore> leases;
  std::unique_ptr<backend::BackendStore> backends;
  backend::PosixEnv env;
  std::unique_ptr<backend::Dispatcher> dispatcher;
};

Result<std::unique_ptr<JobScope>> OpenScope(Context& ctx) {
  if (!ctx.services.leases || ctx.services.db_path.empty()) {
    return Unavailable("leases are not enabled on this server");
  }
  const std::string& text = ctx.params.at("id");
  Result<LeaseId> id = LeaseId::Parse(text);
  if (!id.ok()) return NotFound("no lease \"" + text + "\"", "id");
  auto scope = std::make_unique<JobScope>();
  const lease::Actor actor = LeaseActorOf(ctx);
  STRAITS_ASSIGN_OR_RETURN(scope->lease, ctx.services.leases->Get(*id, actor));
  STRAITS_ASSIGN_OR_RETURN(
      scope->leases, lease_store::OpenSqliteLeaseStore(ctx.services.db_path, {.connections = 1}));
  STRAITS_ASSIGN_OR_RETURN(scope->backends, backend::BackendStore::Open(ctx.services.db_path));
  STRAITS_ASSIGN_OR_RETURN(scope->dispatcher,
                           backend::Dispatcher::Create(*scope->backends, *scope->leases, scope->env,
                                                       ctx.services.clock));
  return scope;
}

json::object JobJson(const backend::JobInfo& j) {
  json::array nodes;
  for (const std::string& n : j.nodes) nodes.push_back(json::value(n));
  return {{"job", j.id},
          {"name", j.name},
          {"state", j.state},
          {"gpus", j.gpus},
          {"start", j.start ? json::value(j.start->ToString()) : nullptr},
          {"end", j.end ? json::value(j.end->ToString()) : nullptr},
          {"nodes", nodes}};
}

Result<Response> SubmitJob(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(ctx.request.body));
  backend::JobRequest job;
  const json::value* command = body.if_contains("command");
  if (!command || !command->is_array() || command->as_array().empty()) {
    return InvalidArgument("must be a non-empty array of strings (the job's argv)", "command");
  }
  for (const json::value& arg : command->as_array()) {
    if (!arg.is_string()) return InvalidArgument("must contain only strings", "command");
    job.command.emplace_back(arg.as_string());
  }
  if (const json::value* gpus = body.if_contains("gpus")) {
    if (!gpus->is_int64()) return InvalidArgument("must be an integer", "gpus");
    job.gpus = gpus->as_int64();
  }
  if (const json::value* name = body.if_contains("name")) {
    if (!name->is_string()) return InvalidArgument("must be a string", "name");
    job.name = std::string(name->as_string());
  }
  if (const json::value* time = body.if_contains("time")) {
    Result<Duration> limit = time->is_string()
                                 ? Duration::Parse(std::string_view(time->as_string()))
                                 : Result<Duration>(InvalidArgument("not a string"));
    if (!limit.ok()) return InvalidArgument("must be a duration such as \"30m\" or \"2h\"", "time");
    job.time_limit = *limit;
  }
  STRAITS_ASSIGN_OR_RETURN(auto scope, OpenScope(ctx));
  STRAITS_ASSIGN_OR_RETURN(std::string id, scope->dispatcher->SubmitJob(scope->lease, job));
  return JsonResponse(json::object{{"job", id}, {"lease", scope->lease.id.str()}}, 201);
}

Result<Response> ListJobs(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(auto scope, OpenScope(ctx));
  STRAITS_ASSIGN_OR_RETURN(auto jobs, scope->dispatcher->ListJobs(scope->lease));
  json::array items;
  for (const backend::JobInfo& j : jobs) items.push_back(JobJson(j));
  return JsonResponse(json::object{{"items", items}});
}

Result<Response> CancelJob(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(auto scope, OpenScope(ctx));
  STRAITS_RETURN_IF_ERROR(scope->dispatcher->CancelJob(scope->lease, ctx.params.at("job")));
  return JsonResponse(json::object{{"job", ctx.params.at("job")}, {"cancelled", true}});
}

Result<Response> LeaseBackend(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(auto scope, OpenScope(ctx));
  STRAITS_ASSIGN_OR_RETURN(auto state, scope->backends->Get(scope->lease.id));
  bool slurm = scope->lease.placement && scope->dispatcher->ForSite(scope->lease.placement->site);
  json::object out{{"lease", scope->lease.id.str()}, {"kind", slurm ? "slurm" : "sim"}};
  if (!slurm) {
    out["backend"] = "sim";
  } else if (!state) {
    out["backend"] = "pending";
  } else {
    out["backend"] = state->status;
    out["attempts"] = state->attempts;
    out["next_attempt"] =
        state->attempts > 0 ? json::value(state->next_attempt.ToString()) : nullptr;
    out["last_error"] = state->last_error;
  }
  return JsonResponse(out);
}

}  // namespace

RouteFamily JobsRoutes() {
  return {
      .routes = {{"POST", "/v1/leases/{id}/jobs", true, SubmitJob, Roles(kOperator, kTenant)},
                 {"GET", "/v1/leases/{id}/jobs", true, ListJobs, Roles(kOperator, kTenant)},
                 {"DELETE", "/v1/leases/{id}/jobs/{job}", true, CancelJob,
                  Roles(kOperator, kTenant)},
                 {"GET", "/v1/leases/{id}/backend", true, LeaseBackend, Roles(kOperator, kTenant)}},
      .operations =
          {{"post",
            "/v1/leases/{id}/jobs",
            "jobs",
            "Submit a job into the lease's Slurm reservation and account; refused (400/409) "
            "outside the lease's window or over its GPUs, before Slurm sees it",
            {{"id", "path", true, "Lease id."}},
            "JobRequest",
            {{"201", "JobSubmitted"},
             {"400", "Error"},
             {"404", "Error"},
             {"409", "Error"},
             {"503", "Error"}},
            true},
           {"get",
            "/v1/leases/{id}/jobs",
            "jobs",
            "Jobs of the lease (queued, running, finished)",
            {{"id", "path", true, "Lease id."}},
            nullptr,
            {{"200", "JobList"}, {"404", "Error"}, {"503", "Error"}},
            true},
           {"delete",
            "/v1/leases/{id}/jobs/{job}",
            "jobs",
            "Cancel a queued or running job of the lease",
            {{"id", "path", true, "Lease id."}, {"job", "path", true, "Job id."}},
            nullptr,
            {{"200", nullptr}, {"404", "Error"}, {"503", "Error"}},
            true},
           {"get",
            "/v1/leases/{id}/backend",
            "jobs",
            "Where the lease stands on its site's backend: applied, pending (with the last "
            "error and the next attempt) or released",
            {{"id", "path", true, "Lease id."}},
            nullptr,
            {{"200", "LeaseBackend"}, {"404", "Error"}},
            true}},
      .schemas = R"json({
    "JobRequest": {"type": "object", "required": ["command"], "properties": {
      "command": {"type": "array", "items": {"type": "string"}, "description": "The job's argv; never run through a shell."},
      "gpus": {"type": "integer", "minimum": 1}, "name": {"type": "string"},
      "time": {"type": "string", "examples": ["30m"], "description": "Default: until the lease ends."}}},
    "JobSubmitted": {"type": "object", "properties": {"job": {"type": "string"}, "lease": {"type": "string"}}},
    "Job": {"type": "object", "properties": {
      "job": {"type": "string"}, "name": {"type": "string"}, "state": {"type": "string"},
      "gpus": {"type": "integer"}, "start": {"type": ["string", "null"]}, "end": {"type": ["string", "null"]},
      "nodes": {"type": "array", "items": {"type": "string"}}}},
    "JobList": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}},
    "LeaseBackend": {"type": "object", "properties": {
      "lease": {"type": "string"}, "kind": {"enum": ["slurm", "sim"]},
      "backend": {"enum": ["sim", "pending", "applied", "released"]},
      "attempts": {"type": "integer"}, "next_attempt": {"type": ["string", "null"]},
      "last_error": {"type": "string"}}}
  })json"};
}

}  // namespace straits::api

// `straits serve`: the HTTP API over the database.
#include <cstdio>

#include "api/api.h"
#include "api/server.h"
#include "backend/backend_loop.h"
#include "catalog/shipped.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "core/clock.h"
#include "lease/runtime.h"
#include "metering/periodic_meter.h"

namespace straits::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  // Lease writes wait for their batch's fsync, so more workers than cores let
  // one commit carry many requests: 16 gives about 1.8-2.0 k lease creations/s
  // on 2 cores against 1.1 k with 4 (docs/benchmarks.md, Leases).
  int threads = 16;
  size_t body_limit = 1 << 20;
  std::string web_root = "web/dist";
  int64_t meter_every = 300;  // seconds; 0: leases are not metered
  // Seconds between passes of the backend loop (apply, release) and between
  // usage polls of Slurm sites; 0: no loop.
  int64_t backend_every = 5;
  int64_t backend_poll_every = 60;
};

Status Serve(const GlobalOptions& options, const ServeFlags& flags) {
  api::ServerOptions server_options;
  if (flags.backend_every < 0) return InvalidArgument("must be 0 (off) or more", "--backend-every");
  if (flags.backend_poll_every < 0) {
    return InvalidArgument("must be 0 (never) or more", "--backend-poll-every");
  }
  STRAITS_RETURN_IF_ERROR(
      api::ParseListenAddress(flags.listen, server_options.address, server_options.port));
  if (flags.threads < 1 || flags.threads > 256) {
    return InvalidArgument("must be between 1 and 256", "--threads");
  }
  server_options.threads = flags.threads;
  server_options.body_limit = flags.body_limit;
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  STRAITS_ASSIGN_OR_RETURN(catalog::Catalog models, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(std::vector<catalog::ClassificationRegime> regimes,
                           catalog::LoadShippedRegimes());
  SystemClock clock;
  api::Services services{*store, clock, models, regimes};
  services.db_path = options.db_path;
  services.web_root = flags.web_root;
  // The lease routes run on the same lease runtime as the `straits lease` commands.
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<lease::LeaseRuntime> lease_runtime,
                           lease::LeaseRuntime::Open(options.db_path, *store, clock, {}));
  services.leases = &lease_runtime->service();
  // Leases become usage records as the clock passes (metering/lease_meter.h).
  STRAITS_ASSIGN_OR_RETURN(auto metering, metering::MeteringRuntime::Open(options.db_path, *store));
  if (flags.meter_every > 0) {
    metering->StartTimer(clock, Duration::Seconds(flags.meter_every), [](const auto& run) {
      if (run.ok()) return;
      std::fprintf(stderr, "straits: metering: %s\n", run.status().ToString().c_str());
    });
  }
  // Leases at Slurm sites become reservations, and their jobs' usage records,
  // as `straits backend run` does (backend/backend_loop.h); the loop reads the
  // site configuration every pass, so sites configured later are picked up.
  std::unique_ptr<backend::BackendLoop> backend_loop;
  if (flags.backend_every > 0) {
    backend::BackendLoopOptions loop_options;
    loop_options.every = Duration::Seconds(flags.backend_every);
    loop_options.poll_every = Duration::Seconds(flags.backend_poll_every);
    auto log = [](const backend::LoopEvent& event) {
      std::string line = backend::LoopEventLine(event);
      if (line.empty()) return;
      std::FILE* to = event.status.ok() ? stdout : stderr;
      std::fprintf(to, "straits: %s\n", line.c_str());
      std::fflush(to);
    };
    STRAITS_ASSIGN_OR_RETURN(backend_loop, backend::BackendLoop::Start(options.db_path, *store,
                                                                       clock, loop_options, log));
  }
  api::Api api(services);
  server_options.on_listening = [&](const std::string& bound) {
    std::printf("straits: serving http://%s (threads %d, database %s); Ctrl-C to stop\n",
                bound.c_str(), flags.threads, options.db_path.c_str());
    std::fflush(stdout);
  };
  api::Server server(api, server_options);
  STRAITS_RETURN_IF_ERROR(server.Run());
  backend_loop.reset();  // a pass in progress finishes first
  std::printf("straits: stopped; database closed\n");
  return Status::Ok();
}

}  // namespace

void RegisterServeCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve =
      app.add_subcommand("serve",
                         "Serve the HTTP API (GET /openapi.json describes it); stops gracefully on "
                         "SIGINT/SIGTERM");
  serve->add_option("--listen", flags->listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  serve->add_option("--threads", flags->threads, "Worker threads")->capture_default_str();
  serve->add_option("--body-limit", flags->body_limit, "Largest request body in bytes (413 above)")
      ->capture_default_str();
  serve
      ->add_option("--web-root", flags->web_root,
                   "The built web dashboard (scripts/build-web) served at /")
      ->capture_default_str();
  serve
      ->add_option("--meter-every", flags->meter_every,
                   "Meter leases into usage records every N seconds (0: never)")
      ->capture_default_str();
  serve
      ->add_option("--backend-every", flags->backend_every,
                   "Apply leases to Slurm sites (and release ended ones) every N seconds "
                   "(0: never; docs/slurm.md)")
      ->capture_default_str();
  serve
      ->add_option("--backend-poll-every", flags->backend_poll_every,
                   "Poll Slurm sites for finished jobs' usage every N seconds (0: never)")
      ->capture_default_str();
  serve->callback([&options, &exit_code, flags] {
    Status s = Serve(options, *flags);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

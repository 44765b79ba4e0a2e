// `straits init` and `straits tokens create`.
#include <cstdio>
#include <filesystem>

#include "auth/tokens.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::cli {
namespace {

Status CreateAndPrintToken(store::Store& store, const std::string& name, bool quiet) {
  SystemClock clock;
  auto random = auth::MakeSecureRandom();
  STRAITS_ASSIGN_OR_RETURN(auth::NewToken token,
                           auth::GenerateToken(*random, name, "admin", clock.Now()));
  STRAITS_RETURN_IF_ERROR(store.CreateToken(token.record));
  if (quiet) {
    std::printf("%s\n", token.secret.c_str());
  } else {
    std::printf("admin token %s (%s), shown once; keep it safe:\n%s\n", token.record.id.c_str(),
                name.c_str(), token.secret.c_str());
  }
  return Status::Ok();
}

Status Init(const GlobalOptions& options, const std::string& token_name, bool quiet) {
  const std::filesystem::path path(options.db_path);
  if (std::filesystem::exists(path)) {
    return FailedPrecondition("a database already exists at " + options.db_path +
                              "; use `straits tokens create` for a new token");
  }
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  STRAITS_ASSIGN_OR_RETURN(
      auto store, store::OpenSqliteStore(options.db_path, {.create = true, .connections = 1}));
  if (!quiet) {
    std::printf("created %s (schema version %d)\n", options.db_path.c_str(),
                store->SchemaVersion());
  }
  return CreateAndPrintToken(*store, token_name, quiet);
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto token_name = std::make_shared<std::string>("admin");
  auto quiet = std::make_shared<bool>(false);
  CLI::App* init = app.add_subcommand(
      "init", "Create the database (schema migrations applied) and print an admin token once");
  init->add_option("--token-name", *token_name, "Label for the admin token")->capture_default_str();
  init->add_flag("--quiet,-q", *quiet, "Print only the token");
  init->callback([&options, &exit_code, token_name, quiet] {
    Status s = Init(options, *token_name, *quiet);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  CLI::App* tokens = app.add_subcommand("tokens", "Manage API tokens");
  tokens->require_subcommand(1);
  CLI::App* create = tokens->add_subcommand("create", "Create an admin token and print it once");
  auto name = std::make_shared<std::string>("admin");
  auto create_quiet = std::make_shared<bool>(false);
  create->add_option("--name", *name, "Who or what the token is for")->capture_default_str();
  create->add_flag("--quiet,-q", *create_quiet, "Print only the token");
  create->callback([&options, &exit_code, name, create_quiet] {
    auto store = OpenStore(options);
    if (!store.ok()) {
      exit_code = ReportError(store.status());
      return;
    }
    Status s = CreateAndPrintToken(**store, *name, *create_quiet);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

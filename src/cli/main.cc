// The `straits` command.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/context.h"
#include "cli/exit_codes.h"

#ifndef STRAITS_VERSION
#define STRAITS_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  using namespace straits::cli;
  CLI::App app("straits: control plane for cross-border accelerator leasing", "straits");
  app.set_version_flag("--version", std::string("straits ") + STRAITS_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success; 2 usage error or invalid input; 1 any other failure.\n"
      "Run `straits COMMAND --help` for a command's options.");
  GlobalOptions options;
  app.add_option("--db", options.db_path, "Database file")
      ->capture_default_str()
      ->envname("STRAITS_DB");
  int exit_code = kExitOk;
  RegisterAllCommands(app, options, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return exit_code;
}

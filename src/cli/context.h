// What every `straits` subcommand shares: global flags and how to reach the
// database and the shipped reference data.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/store.h"

namespace straits::cli {

struct GlobalOptions {
  std::string db_path = "./var/straits.db";
};

// Opens the existing database at --db (not_found with a hint to run
// `straits init` when it is missing).
Result<std::unique_ptr<store::Store>> OpenStore(const GlobalOptions& options);

// Reads a whole file; not_found / unavailable naming the path.
Result<std::string> ReadFile(const std::string& path);

// Each Register* adds its subcommands; a subcommand's callback stores its
// exit code in `exit_code`.
void RegisterAdminCommands(CLI::App& app, GlobalOptions& options, int& exit_code);
void RegisterFleetCommands(CLI::App& app, GlobalOptions& options, int& exit_code);
void RegisterServeCommand(CLI::App& app, GlobalOptions& options, int& exit_code);
void RegisterCatalogCommands(CLI::App& app, int& exit_code);

}  // namespace straits::cli

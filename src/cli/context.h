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

// The subcommand `name` of `app`, created (requiring one sub-subcommand) if no
// group has made it yet: `import` holds `import fleet` and `import usage`, each
// defined in its own commands_*.cc.
CLI::App* SubcommandGroup(CLI::App& app, const std::string& name, const std::string& description);

// Each commands_<group>.cc defines
//   void Register<Group>Commands(CLI::App& app, GlobalOptions& options, int& exit_code);
// adding its subcommands, whose callbacks store their exit code in `exit_code`.
// RegisterAllCommands (generated from the files present) calls every one.
void RegisterAllCommands(CLI::App& app, GlobalOptions& options, int& exit_code);

}  // namespace straits::cli

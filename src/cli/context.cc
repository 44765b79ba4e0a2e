#include "cli/context.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "store/sqlite/sqlite_store.h"

namespace straits::cli {

Result<std::unique_ptr<store::Store>> OpenStore(const GlobalOptions& options) {
  return store::OpenSqliteStore(options.db_path, {.create = false, .connections = 4});
}

CLI::App* SubcommandGroup(CLI::App& app, const std::string& name, const std::string& description) {
  for (CLI::App* existing : app.get_subcommands({})) {
    if (existing->get_name() == name) return existing;
  }
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) return NotFound("no such file", path);
    return Unavailable(path + ": " + std::strerror(err));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Unavailable(path + ": read failed");
  return buffer.str();
}

}  // namespace straits::cli

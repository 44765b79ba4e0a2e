// Env: how the execution backends reach the outside world — running a program
// and writing a file — so that tests substitute a fake that records every
// argv and answers from a script (backend/fake_env.h).
//
// Programs are run from an argv vector, never through a shell, so values that
// come from users (commands, names) are passed as single arguments and cannot
// be interpreted by a shell.
//
//   PosixEnv env;
//   Result<ProcessResult> r = env.Run({.argv = {"scontrol", "ping"},
//                                      .env = {{"SLURM_CONF", "/etc/slurm/slurm.conf"}}});
//
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace straits::backend {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // set on top of the current environment
  int timeout_seconds = 60;                // the process is killed after this
};

struct ProcessResult {
  int exit_code = 0;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

class Env {
 public:
  virtual ~Env() = default;
  // Runs the program to completion. A program that exits non-zero is a
  // result, not an error. Errors: not_found (no such program), unavailable
  // (timed out), internal (fork/pipe failures).
  virtual Result<ProcessResult> Run(const ProcessSpec& spec) = 0;
  // Writes `content` to `path` (replacing it) with the given mode.
  virtual Status WriteFile(const std::string& path, const std::string& content, int mode) = 0;
};

// The real thing: posix_spawnp with pipes for stdout and stderr.
class PosixEnv final : public Env {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override;
  Status WriteFile(const std::string& path, const std::string& content, int mode) override;
};

// "scontrol -o show reservation lease-000001": argv joined by spaces, for
// messages and logs only (never executed).
std::string DescribeArgv(const std::vector<std::string>& argv);

}  // namespace straits::backend

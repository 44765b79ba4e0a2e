// Runs the `straits` binary for integration tests: fork/exec with stdout and
// stderr captured, and cleanup (SIGKILL) in the destructor so a failing test
// never leaves a server behind.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace straits::testing_support {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion.
RunResult Run(const std::vector<std::string>& argv);

class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads stdout until a line containing `needle` appears (or `timeout_ms`);
  // returns that line, or "" on timeout/EOF.
  std::string WaitForLine(const std::string& needle, int timeout_ms);
  void Signal(int sig);
  // Waits for exit; returns the exit code (or 128+signal). -1 on timeout.
  int Wait(int timeout_ms);
  // Everything read from stdout so far plus the rest until EOF.
  std::string DrainStdout();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffered_;
  bool exited_ = false;
};

// Waits for `straits serve`, started as `server` with `--listen 127.0.0.1:0`,
// to say where it listens; returns the port, or -1 if it did not within
// `timeout_ms`.
int WaitForServePort(Child& server, int timeout_ms = 30000);

}  // namespace straits::testing_support

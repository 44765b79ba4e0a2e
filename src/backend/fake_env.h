// FakeEnv: an Env for tests. Records every command (argv and environment) and
// answers from a script: responses queued per exact argv (joined by spaces),
// used once each; a command with nothing queued succeeds with empty output.
// WriteFile only records.
//
//   FakeEnv env;
//   env.Respond("scontrol ping", {.exit_code = 1, .err = "..."});
//   ...
//   EXPECT_EQ(env.commands()[0], "scontrol ping");
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "backend/env.h"

namespace straits::backend {

class FakeEnv final : public Env {
 public:
  void Respond(const std::string& argv, ProcessResult result) {
    std::lock_guard lock(mu_);
    script_[argv].push_back(std::move(result));
  }
  // Every command run so far, argv joined by spaces.
  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }
  std::vector<ProcessSpec> specs() const {
    std::lock_guard lock(mu_);
    return specs_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    commands_.clear();
    specs_.clear();
  }
  std::map<std::string, std::string> files() const {
    std::lock_guard lock(mu_);
    return files_;
  }

  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    std::lock_guard lock(mu_);
    std::string key = DescribeArgv(spec.argv);
    commands_.push_back(key);
    specs_.push_back(spec);
    auto it = script_.find(key);
    if (it == script_.end() || it->second.empty()) return ProcessResult{};
    ProcessResult result = std::move(it->second.front());
    it->second.pop_front();
    return result;
  }
  Status WriteFile(const std::string& path, const std::string& content, int /*mode*/) override {
    std::lock_guard lock(mu_);
    files_[path] = content;
    return Status::Ok();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<ProcessResult>> script_;
  std::vector<std::string> commands_;
  std::vector<ProcessSpec> specs_;
  std::map<std::string, std::string> files_;
};

}  // namespace straits::backend

#include "backend/env.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

extern char** environ;

namespace straits::backend {
namespace {

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view key = entry.substr(0, entry.find('='));
    if (extra.count(std::string(key)) == 0) merged.emplace_back(entry);
  }
  for (const auto& [key, value] : extra) merged.push_back(key + "=" + value);
  return merged;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string DescribeArgv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

Result<ProcessResult> PosixEnv::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return InvalidArgument("empty argv", "argv");
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Internal(std::string("pipe: ") + strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> envp = MergedEnvironment(spec.env);
  std::vector<char*> argv_ptrs = Pointers(argv);
  std::vector<char*> envp_ptrs = Pointers(envp);
  // posix_spawnp searches PATH from the caller's environment.
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv_ptrs[0], &actions, nullptr, argv_ptrs.data(), envp_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (rc == ENOENT) return NotFound("program not found on PATH: " + spec.argv[0]);
    return Internal("cannot run " + spec.argv[0] + ": " + strerror(rc));
  }

  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(spec.timeout_seconds);
  char buffer[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) break;
    for (int fd_idx = 0; fd_idx < 2; ++fd_idx) {
      if (fds[fd_idx].fd < 0 || (fds[fd_idx].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = read(fds[fd_idx].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[fd_idx]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[fd_idx].fd);
        fds[fd_idx].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Unavailable(DescribeArgv(spec.argv) + ": no answer within " +
                       std::to_string(spec.timeout_seconds) + " s");
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Status PosixEnv::WriteFile(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (!file) return Internal("cannot write " + tmp + ": " + strerror(errno));
    file << content;
    if (!file.flush()) return Internal("cannot write " + tmp + ": " + strerror(errno));
  }
  if (chmod(tmp.c_str(), static_cast<mode_t>(mode)) != 0 ||
      rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot install " + path + ": " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace straits::backend

#include "backend/env.h"

#include <gtest/gtest.h>

namespace straits::backend {
namespace {

ProcessSpec Spec(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                 int timeout_seconds = 60) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = std::move(env);
  spec.timeout_seconds = timeout_seconds;
  return spec;
}

TEST(PosixEnv, PassesArgumentsWithoutAShell) {
  PosixEnv env;
  Result<ProcessResult> r = env.Run(Spec({"printf", "%s|", "a b", "$(rm -rf /)", ";echo x"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "a b|$(rm -rf /)|;echo x|");
}

TEST(PosixEnv, SetsEnvironmentAndReportsExitCodeAndStderr) {
  PosixEnv env;
  Result<ProcessResult> r =
      env.Run(Spec({"sh", "-c", "echo \"$STRAITS_X\" >&2; exit 3"}, {{"STRAITS_X", "v"}}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->err, "v\n");
}

TEST(PosixEnv, MissingProgramIsNotFound) {
  PosixEnv env;
  Result<ProcessResult> r = env.Run(Spec({"straits-no-such-program"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(PosixEnv, TimeoutKillsAndIsUnavailable) {
  PosixEnv env;
  Result<ProcessResult> r = env.Run(Spec({"sleep", "5"}, {}, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace straits::backend

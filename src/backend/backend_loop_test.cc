#include "backend/backend_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "store/sqlite/sqlite_store.h"

namespace straits::backend {
namespace {

TEST(LoopEventLine, SaysWhatChangedOrWentWrongAndNothingOtherwise) {
  EXPECT_EQ(LoopEventLine({"pass", Status::Ok(), {}, {}}), "");
  EXPECT_EQ(LoopEventLine({"pass", Status::Ok(), {.applied = 2, .released = 1, .failed = 0}, {}}),
            "backend: applied 2, released 1, left pending 0");
  EXPECT_EQ(LoopEventLine({"usage", Status::Ok(), {}, {.samples = 3, .recorded = 0, .refused = 0}}),
            "");
  EXPECT_EQ(LoopEventLine({"usage", Status::Ok(), {}, {.samples = 3, .recorded = 2, .refused = 1}}),
            "backend: usage: 2 new recorded, 1 refused by billing; reserved, idle: 0 records, 0 "
            "GPU-seconds");
  UsageReport idle;
  idle.idle_records = 2;
  idle.idle_gpu_seconds = 7200;
  EXPECT_EQ(LoopEventLine({"usage", Status::Ok(), {}, idle}),
            "backend: usage: 0 new recorded, 0 refused by billing; reserved, idle: 2 records, "
            "7200 GPU-seconds");
  EXPECT_EQ(LoopEventLine({"usage", Unavailable("database is busy"), {}, {}}),
            "backend usage: " + Unavailable("database is busy").ToString());
}

// Without a Slurm site the loop runs (a pass and a poll at once) and does
// nothing; destroying it stops the thread without waiting for the next pass.
TEST(BackendLoop, RunsAtOnceAndStopsPromptly) {
  const std::string path = (std::filesystem::path(testing::TempDir()) /
                            ("straits-backend-loop-" + std::to_string(getpid()) + ".db"))
                               .string();
  auto fleet = store::OpenSqliteStore(path, {.create = true, .connections = 1});
  ASSERT_TRUE(fleet.ok()) << fleet.status();
  SystemClock clock;
  std::promise<void> polled;
  std::vector<std::string> seen;
  std::mutex mu;
  bool done = false;
  auto loop = BackendLoop::Start(
      path, **fleet, clock, {.every = Duration::Hours(1), .poll_every = Duration::Hours(1)},
      [&](const LoopEvent& e) {
        std::lock_guard lock(mu);
        seen.push_back(std::string(e.what) + (e.status.ok() ? " ok" : " " + e.status.ToString()));
        if (e.what == "usage" && !done) {
          done = true;
          polled.set_value();
        }
      });
  ASSERT_TRUE(loop.ok()) << loop.status();
  ASSERT_EQ(polled.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto stop_started = std::chrono::steady_clock::now();
  loop->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(10));
  EXPECT_EQ(seen, (std::vector<std::string>{"pass ok", "usage ok"}));
  fleet->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

}  // namespace
}  // namespace straits::backend

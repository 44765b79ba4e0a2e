// CLI scenarios as data: every file in tests/scenarios/cli/*.scenario is a
// sequence of commands run against the real `straits` binary with a fresh
// database, each followed by what its exit code and output must be.
//
//   # a comment
//   @world                         init a database and import data/demo/world.toml
//   $ straits sites list --json    run (the database flag is added; {src} = source dir)
//   ? 0                            expected exit code
//   > "id":"sg-tuas-1"             stdout must contain this line fragment
//   ! unknown country code         stderr must contain this
//   < "id":"nowhere"               stdout must NOT contain this
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../integration/subprocess.h"

namespace straits {
namespace {

namespace fs = std::filesystem;
using testing_support::RunResult;

std::vector<std::string> SplitArgs(const std::string& line) {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false, any = false;
  for (char c : line) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) args.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) args.push_back(current);
  return args;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

class CliScenario : public testing::TestWithParam<std::string> {};

TEST_P(CliScenario, Runs) {
  const fs::path file = GetParam();
  const fs::path dir =
      fs::path(testing::TempDir()) /
      ("straits-scenario-" + std::to_string(getpid()) + "-" + file.stem().string());
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "s.db").string();
  std::ifstream in(file);
  std::string line;
  int line_no = 0;
  RunResult last;
  std::string where;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string here = file.filename().string() + ":" + std::to_string(line_no);
    if (line.empty() || line[0] == '#') continue;
    line = Replace(line, "{src}", STRAITS_SOURCE_DIR);
    line = Replace(line, "{tmp}", dir.string());
    if (line == "@world") {
      ASSERT_EQ(testing_support::Run({STRAITS_BINARY, "--db", db, "init", "--quiet"}).exit_code, 0);
      ASSERT_EQ(testing_support::Run({STRAITS_BINARY, "--db", db, "import", "fleet",
                                      std::string(STRAITS_SOURCE_DIR) + "/data/demo/world.toml"})
                    .exit_code,
                0);
      continue;
    }
    ASSERT_GE(line.size(), 2u) << here;
    const std::string arg = line.substr(2);
    switch (line[0]) {
      case '$': {
        std::vector<std::string> args = SplitArgs(arg);
        ASSERT_FALSE(args.empty()) << here;
        ASSERT_EQ(args[0], "straits") << here;
        std::vector<std::string> argv{STRAITS_BINARY, "--db", db};
        argv.insert(argv.end(), args.begin() + 1, args.end());
        last = testing_support::Run(argv);
        where = here + " `" + arg + "`";
        break;
      }
      case '?':
        EXPECT_EQ(last.exit_code, std::stoi(arg)) << where << "\nstdout:\n"
                                                  << last.out << "\nstderr:\n"
                                                  << last.err;
        break;
      case '>':
        EXPECT_NE(last.out.find(arg), std::string::npos)
            << where << ": stdout lacks \"" << arg << "\"\nstdout:\n"
            << last.out;
        break;
      case '<':
        EXPECT_EQ(last.out.find(arg), std::string::npos)
            << where << ": stdout has \"" << arg << "\"";
        break;
      case '!':
        EXPECT_NE(last.err.find(arg), std::string::npos)
            << where << ": stderr lacks \"" << arg << "\"\nstderr:\n"
            << last.err;
        break;
      default:
        FAIL() << here << ": unknown directive '" << line[0] << "'";
    }
  }
  fs::remove_all(dir);
}

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       fs::directory_iterator(fs::path(STRAITS_SOURCE_DIR) / "tests/scenarios/cli")) {
    if (entry.path().extension() == ".scenario") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Files, CliScenario, testing::ValuesIn(ScenarioFiles()),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           std::string name = fs::path(param_info.param).stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace straits

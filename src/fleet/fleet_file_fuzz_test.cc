// Randomized robustness test for the fleet-file parser and validator: thousands
// of mutated copies of a valid file must each either import cleanly or fail
// with an invalid_argument that names FILE:LINE — never crash (ASan/UBSan run
// this in the dev build), never an error without a location.
#include <gtest/gtest.h>

#include <random>

#include "fleet/fleet_file.h"
#include "fleet/validate.h"

namespace straits::fleet {
namespace {

constexpr std::string_view kSeed = R"([[organization]]
id = "op"
name = "Operator"
hq = "US"
kinds = ["operator"]
[[organization]]
id = "t"
name = "Tenant 有限公司"
hq = "CN"
parent = "op"
aliases = ["T", "t2"]
kinds = ["tenant"]
[[site]]
id = "s"
name = "S"
country = "MY"
city = "Johor"
operator = "op"
[[pod]]
id = "p"
site = "s"
[[node]]
hostname = "n-[001-004]"
pod = "p"
model = "h20"
gpus = 8
)";

std::string Mutate(std::string text, std::mt19937& rng) {
  static constexpr std::string_view kAlphabet = "[]=\"'#\n ,-{}0123456789azAZ.\\\xe4\xb8\xad";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t pos = rng() % text.size();
    switch (rng() % 5) {
      case 0:
        text.erase(pos, 1 + rng() % 3);
        break;
      case 1:
        text.insert(pos, 1, kAlphabet[rng() % kAlphabet.size()]);
        break;
      case 2:
        text[pos] = kAlphabet[rng() % kAlphabet.size()];
        break;
      case 3: {  // duplicate a line
        const size_t start = text.rfind('\n', pos);
        const size_t from = start == std::string::npos ? 0 : start + 1;
        const size_t end = text.find('\n', pos);
        text.insert(from,
                    text.substr(from, (end == std::string::npos ? text.size() : end + 1) - from));
        break;
      }
      default:
        text.resize(pos);
        break;  // truncate
    }
  }
  return text;
}

TEST(FleetFileFuzz, MutatedFilesNeverCrashAndAlwaysLocateErrors) {
  std::mt19937 rng(20261129);
  int accepted = 0, rejected = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    const std::string text = Mutate(std::string(kSeed), rng);
    Result<Fleet> fleet = ParseFleetToml(text, "m.toml");
    Status status = fleet.status();
    if (fleet.ok()) {
      status = ValidateFleet(
          *fleet, {}, [](const ModelId& id) { return id.str() == "h20"; }, "m.toml");
    }
    if (status.ok()) {
      ++accepted;
      continue;
    }
    ++rejected;
    ASSERT_EQ(status.code(), StatusCode::kInvalidArgument) << text;
    ASSERT_EQ(status.field().rfind("m.toml:", 0), 0u) << status << "\n" << text;
    ASSERT_FALSE(status.message().empty());
  }
  // Both outcomes must occur, or the mutations are not exercising the parser.
  EXPECT_GT(accepted, 50);
  EXPECT_GT(rejected, 1000);
}

}  // namespace
}  // namespace straits::fleet

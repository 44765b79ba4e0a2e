#include "catalog/spec_toml.h"

#include <gtest/gtest.h>

#include "catalog/tpp.h"

namespace straits::catalog {
namespace {

constexpr std::string_view kExample = R"(vendor = "Example"
model = "X1"
datacenter = true
die_area_mm2 = 814.0
interconnect_bidir_gbps = 900.0
[[throughput]]      # dense, one entry per precision
format = "fp8"
bits = 8
tops = 296.0
[[throughput]]
format = "bf16"
bits = 16
tops = 148
)";

TEST(ParseSpecToml, ReadsTheDocumentedExample) {
  Result<AcceleratorSpec> spec = ParseSpecToml(kExample, "x1.toml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->vendor, "Example");
  EXPECT_EQ(spec->name, "X1");
  EXPECT_TRUE(spec->id.empty());
  EXPECT_EQ(spec->DisplayId(), "X1");
  EXPECT_EQ(spec->datacenter, true);
  EXPECT_EQ(spec->die_area_mm2, 814.0);
  EXPECT_EQ(spec->interconnect_bidir_gbps, 900.0);
  ASSERT_EQ(spec->throughputs.size(), 2u);
  EXPECT_EQ(spec->throughputs[1].format, "bf16");
  EXPECT_EQ(spec->throughputs[1].bits, 16);
  EXPECT_EQ(spec->throughputs[1].tops, 148.0);  // an integer is accepted as a number
  EXPECT_DOUBLE_EQ(Tpp(*spec), 2368);
}

TEST(ParseSpecToml, ReadsOptionalKeys) {
  Result<AcceleratorSpec> spec = ParseSpecToml(R"(model = "Duo"
id = "duo-1"
item = "computer"
country_of_origin = "CN"
memory_gb = 96
host_link_bidir_gbps = { value = 64, source = "PCIe Gen4 x16" }
[[die]]
name = "compute"
area_mm2 = 400
count = 2
[[throughput]]
format = "fp16"
bits = 16
tops = 400
unit = "compute die"
units = 2
)",
                                               "duo.toml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->id.str(), "duo-1");
  EXPECT_EQ(spec->item, ItemKind::kComputer);
  EXPECT_EQ(spec->country_of_origin->code(), "CN");
  EXPECT_FALSE(spec->datacenter.has_value());
  EXPECT_EQ(spec->host_link_bidir_gbps, 64.0);
  EXPECT_EQ(spec->sources.at("host_link_bidir_gbps"), "PCIe Gen4 x16");
  EXPECT_DOUBLE_EQ(*ApplicableDieArea(*spec), 800);
  EXPECT_DOUBLE_EQ(Tpp(*spec), 12800);
}

TEST(ParseSpecToml, RejectsBadInputWithKeyAndLocation) {
  struct Case {
    const char* label;
    const char* text;
    const char* location;    // expected Status::field()
    const char* in_message;  // expected substring of the message
  };
  const Case cases[] = {
      {"no throughput", "model = \"X\"\ndie_area_mm2 = 5.0\n", "s.toml:1:1", "throughput"},
      {"empty throughput array", "model = \"X\"\nthroughput = []\n", "s.toml:2:14", "throughput"},
      {"negative tops", "model = \"X\"\n[[throughput]]\nbits = 8\ntops = -296.0\n", "s.toml:4:8",
       "throughput[0].tops"},
      {"string tops", "model = \"X\"\n[[throughput]]\nbits = 8\ntops = \"296\"\n", "s.toml:4:8",
       "throughput[0].tops: must be a number, found a string"},
      {"float bits", "model = \"X\"\n[[throughput]]\nbits = 8.5\ntops = 1.0\n", "s.toml:3:8",
       "throughput[0].bits: must be an integer"},
      {"missing bits", "model = \"X\"\n[[throughput]]\ntops = 1.0\n", "s.toml:2:1",
       "throughput[0].bits: missing required key \"bits\""},
      {"zero die area", "model = \"X\"\ndie_area_mm2 = 0\n[[throughput]]\nbits = 8\ntops = 1.0\n",
       "s.toml:2:16", "die_area_mm2 must be a finite number greater than 0"},
      {"negative interconnect",
       "model = \"X\"\ninterconnect_bidir_gbps = -1.0\n[[throughput]]\nbits = 8\ntops = 1.0\n",
       "s.toml:2:27", "interconnect_bidir_gbps"},
      {"boolean die area",
       "model = \"X\"\ndie_area_mm2 = true\n[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml:2:16",
       "die_area_mm2: must be a number, found a boolean"},
      {"unknown top-level key",
       "model = \"X\"\ndie_area = 5.0\n[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml:2:12",
       "unknown key \"die_area\""},
      {"unknown throughput key",
       "model = \"X\"\n[[throughput]]\nbits = 8\ntops = 1.0\nsparse = true\n", "s.toml:5:10",
       "throughput[0].sparse: unknown key"},
      {"missing model", "[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml:1:1",
       "model: missing required key"},
      {"empty model", "model = \"\"\n[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml:1:9",
       "model: must not be empty"},
      {"datacenter as string",
       "model = \"X\"\ndatacenter = \"yes\"\n[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml:2:14",
       "datacenter: must be true or false"},
      {"bad item", "model = \"X\"\nitem = \"board\"\n[[throughput]]\nbits = 8\ntops = 1.0\n",
       "s.toml:2:8", "item: must be \"integrated_circuit\" or \"computer\""},
      {"bad country",
       "model = \"X\"\ncountry_of_origin = \"XX\"\n[[throughput]]\nbits = 8\ntops = 1.0\n",
       "s.toml:2:21", "country_of_origin"},
      {"huge bits", "model = \"X\"\n[[throughput]]\nbits = 99999999999\ntops = 1.0\n", "s.toml:3:8",
       "throughput[0].bits: is out of range"},
      {"throughput as table", "model = \"X\"\n[throughput]\nbits = 8\n", "s.toml:2:1",
       "throughput: must be an array of tables"},
      {"syntax error", "model = \"X\nbits = 8\n", "s.toml:1:", "TOML syntax"},
      {"nan", "model = \"X\"\n[[throughput]]\nbits = 8\ntops = nan\n", "s.toml:4:8",
       "must be a finite number"},
  };
  for (const Case& c : cases) {
    Result<AcceleratorSpec> spec = ParseSpecToml(c.text, "s.toml");
    ASSERT_FALSE(spec.ok()) << c.label;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_TRUE(spec.status().field().starts_with(c.location)) << c.label << ": " << spec.status();
    EXPECT_NE(spec.status().message().find(c.in_message), std::string::npos)
        << c.label << ": " << spec.status();
  }
}

TEST(ParseSpecToml, CatalogOnlyKeysAreNotSpecKeys) {
  Result<AcceleratorSpec> spec = ParseSpecToml(
      "model = \"X\"\npublished_tpp = 5.0\n[[throughput]]\nbits = 8\ntops = 1.0\n", "s.toml");
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(spec.status().message().find("published_tpp"), std::string::npos);
}

// Truncated and corrupted files must come back as errors (or specs), never
// crash; the sanitizer build checks memory safety on the way.
TEST(ParseSpecToml, SurvivesTruncatedAndCorruptedInput) {
  const std::string text(kExample);
  int errors = 0;
  for (size_t length = 0; length < text.size(); ++length) {
    Result<AcceleratorSpec> spec = ParseSpecToml(text.substr(0, length), "cut.toml");
    if (!spec.ok()) {
      ++errors;
      EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
      EXPECT_TRUE(spec.status().field().starts_with("cut.toml:")) << spec.status();
    }
  }
  EXPECT_GT(errors, 0);
  for (size_t pos = 0; pos < text.size(); ++pos) {
    for (char replacement : {'"', '[', '=', '-', '\0', '\xff', '9'}) {
      std::string corrupted = text;
      corrupted[pos] = replacement;
      Result<AcceleratorSpec> spec = ParseSpecToml(corrupted, "bad.toml");
      if (spec.ok()) {
        EXPECT_TRUE(ValidateSpec(*spec).ok());
      } else {
        EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
      }
    }
  }
}

}  // namespace
}  // namespace straits::catalog

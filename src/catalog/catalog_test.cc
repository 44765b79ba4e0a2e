#include "catalog/catalog.h"

#include <gtest/gtest.h>

namespace straits::catalog {
namespace {

constexpr std::string_view kTwoModels = R"toml(title = "test"
sources = ["a sheet"]

[[accelerator]]
id = "x1"
vendor = "Example"
name = "X1"
country_of_origin = "US"
datacenter = true
throughput = [
  { format = "fp8", bits = 8, tops = 296.0, source = "datasheet" },
]
die_area_mm2 = { value = 814.0, source = "die shot" }
interconnect_bidir_gbps = { value = 900, source = "datasheet" }

[[accelerator]]
id = "x2"
vendor = "Example"
name = "X2 (rumored)"
country_of_origin = "CN"
datacenter = false
notes = "nothing published"
)toml";

TEST(Catalog, ParsesEntriesInFileOrder) {
  Result<Catalog> catalog = Catalog::FromToml(kTwoModels, "cat.toml");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->title(), "test");
  ASSERT_EQ(catalog->models().size(), 2u);
  EXPECT_EQ(catalog->models()[0].id.str(), "x1");
  EXPECT_EQ(catalog->models()[1].id.str(), "x2");

  const AcceleratorSpec* x1 = catalog->Find(*ModelId::Parse("x1"));
  ASSERT_NE(x1, nullptr);
  EXPECT_EQ(x1->die_area_mm2, 814.0);
  EXPECT_EQ(x1->sources.at("die_area_mm2"), "die shot");
  EXPECT_EQ(x1->throughputs.at(0).source, "datasheet");
  EXPECT_EQ(x1->country_of_origin->code(), "US");

  const AcceleratorSpec* x2 = catalog->Find(*ModelId::Parse("x2"));
  ASSERT_NE(x2, nullptr);
  EXPECT_TRUE(x2->throughputs.empty());
  EXPECT_FALSE(x2->die_area_mm2.has_value());
  EXPECT_EQ(x2->datacenter, false);
  EXPECT_EQ(catalog->Find(*ModelId::Parse("x3")), nullptr);
}

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  out.replace(at, from.size(), to);
  return out;
}

TEST(Catalog, RejectsEntriesWithoutSourcesOrWithUnknownKeys) {
  struct Case {
    const char* label;
    std::string text;
    const char* location;
    const char* in_message;
  };
  const Case cases[] = {
      {"number without source",
       Replace(kTwoModels, R"({ value = 814.0, source = "die shot" })", "814.0"), "cat.toml:13:16",
       "accelerator[0].die_area_mm2: must be { value = <number>, source = \"...\" }"},
      {"empty source", Replace(kTwoModels, "\"die shot\"", "\"\""),
       "cat.toml:13:", "accelerator[0].die_area_mm2.source: must not be empty"},
      {"throughput without source", Replace(kTwoModels, R"(, source = "datasheet" },)", " },"),
       "cat.toml:11:", "accelerator[0].throughput[0].source: missing required key"},
      {"unknown entry key", Replace(kTwoModels, "notes =", "remarks ="), "cat.toml:22:1",
       "accelerator[1].remarks: unknown key"},
      {"unknown top-level key", Replace(kTwoModels, "title =", "titel ="),
       "cat.toml:1:", "unknown key \"titel\""},
      {"duplicate id", Replace(kTwoModels, "id = \"x2\"", "id = \"x1\""), "cat.toml:17:6",
       "accelerator[1].id: duplicate id \"x1\""},
      {"bad id", Replace(kTwoModels, "id = \"x2\"", "id = \"x 2\""), "cat.toml:17:6",
       "accelerator[1].id"},
      {"missing origin", Replace(kTwoModels, "country_of_origin = \"CN\"\n", ""), "cat.toml:16:1",
       "accelerator[1].country_of_origin: missing required key"},
      {"missing datacenter", Replace(kTwoModels, "datacenter = false\n", ""), "cat.toml:16:1",
       "accelerator[1].datacenter: missing required key"},
      {"negative value", Replace(kTwoModels, "value = 900", "value = -900"), "cat.toml:14:",
       "accelerator[0].interconnect_bidir_gbps must be a finite number of 0 or more"},
      {"zero bits", Replace(kTwoModels, "bits = 8", "bits = 0"),
       "cat.toml:11:", "accelerator[0].throughput[0].bits must be an integer from 1 to 256"},
  };
  for (const Case& c : cases) {
    Result<Catalog> catalog = Catalog::FromToml(c.text, "cat.toml");
    ASSERT_FALSE(catalog.ok()) << c.label;
    EXPECT_EQ(catalog.status().code(), StatusCode::kInvalidArgument) << c.label;
    EXPECT_TRUE(catalog.status().field().starts_with(c.location))
        << c.label << ": " << catalog.status();
    EXPECT_NE(catalog.status().message().find(c.in_message), std::string::npos)
        << c.label << ": " << catalog.status();
  }
}

TEST(Catalog, FromSpecsRejectsMissingAndDuplicateIds) {
  AcceleratorSpec a;
  a.name = "A";
  EXPECT_EQ(Catalog::FromSpecs({a}).status().code(), StatusCode::kInvalidArgument);
  a.id = *ModelId::Parse("a");
  EXPECT_EQ(Catalog::FromSpecs({a, a}).status().code(), StatusCode::kInvalidArgument);
  Result<Catalog> ok = Catalog::FromSpecs({a});
  ASSERT_TRUE(ok.ok());
  EXPECT_NE(ok->Find(a.id), nullptr);
}

}  // namespace
}  // namespace straits::catalog

#include "policy/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace straits::policy {
namespace {

std::vector<CountryGroup> TestGroups() {
  std::vector<GroupMembership> members;
  members.push_back({IndexOf(*Country::Parse("CN")), std::nullopt, std::nullopt, "s"});
  members.push_back(
      {IndexOf(*Country::Parse("NI")), *Instant::Parse("2024-03-15"), std::nullopt, "s"});
  members.push_back(
      {IndexOf(*Country::Parse("CY")), std::nullopt, *Instant::Parse("2024-05-30"), "s"});
  std::vector<CountryGroup> groups;
  groups.emplace_back("D:5", "source", std::move(members));
  return groups;
}

catalog::ClassificationRegime Thresholds() {
  catalog::ClassificationRegime regime;
  regime.id = "t";
  catalog::Criterion criterion;
  criterion.paragraph = "3A090.a.1";
  criterion.bounds[0] = catalog::Bound{catalog::Quantity::kTpp, catalog::Relation::kAtLeast, 4800};
  criterion.bound_count = 1;
  regime.criteria.push_back(criterion);
  return regime;
}

struct Fixture {
  std::vector<CountryGroup> groups = TestGroups();
  catalog::ClassificationRegime thresholds = Thresholds();
  ItemFacts item;
  Transaction tx;
  catalog::EccnVerdict eccn{};
  bool eccn_ready = false;

  Fixture() {
    item.model = "x1";
    item.vendor = "V";
    item.origin = *Country::Parse("US");
    item.tpp = 5000;
    item.figures.tpp = 5000;
    item.datacenter = catalog::Truth::kTrue;
    tx.item = &item;
    tx.kind = Kind::kExport;
    tx.date = *Instant::Parse("2024-06-01");
    tx.count = 4;
    tx.from = *Country::Parse("US");
    tx.to = *Country::Parse("CN");
    tx.consignee.hq = *Country::Parse("MY");
    tx.consignee.name = "Acme";
  }

  CompileEnv Env(uint8_t kinds = KindBit(Kind::kExport)) {
    CompileEnv env;
    env.kinds = kinds;
    env.groups = &groups;
    env.has_eccn = true;
    return env;
  }

  Truth3 Eval(std::string_view text, uint64_t* unknown = nullptr) {
    ExprError error;
    Result<Program> program = Program::Compile(text, Env(), &error);
    EXPECT_TRUE(program.ok()) << text << ": " << error.message << " at " << error.offset;
    if (!program.ok()) return Truth3::kUnknown;
    eccn_ready = false;
    EvalContext ctx;
    ctx.tx = &tx;
    ctx.groups = &groups;
    ctx.thresholds = &thresholds;
    ctx.eccn_slot = &eccn;
    ctx.eccn_ready = &eccn_ready;
    Truth3 result = program->Evaluate(ctx);
    if (unknown) *unknown = ctx.unknown_mask;
    return result;
  }
};

TEST(Expr, EvaluatesTable) {
  struct Case {
    const char* text;
    Truth3 expected;
  };
  const Case cases[] = {
      {"true", Truth3::kTrue},
      {"!true", Truth3::kFalse},
      {"item.tpp >= 4800", Truth3::kTrue},
      {"item.tpp >= 4_800 && item.tpp < 5000", Truth3::kFalse},
      {"item.tpp * count == 20000", Truth3::kTrue},
      {"shipment.tpp == 20000 && -item.tpp < 0", Truth3::kTrue},
      {"(item.tpp + 100) / 2 == 2550", Truth3::kTrue},
      {"to == \"CN\"", Truth3::kTrue},
      {"\"CN\" == to", Truth3::kTrue},
      {"to != 'CN'", Truth3::kFalse},
      {"to in [\"HK\", \"MO\"]", Truth3::kFalse},
      {"to in group(\"D:5\")", Truth3::kTrue},
      {"consignee.hq in group(\"D:5\")", Truth3::kFalse},
      {"consignee.parent_hq == \"MY\"", Truth3::kTrue},  // no parent: itself
      {"eccn() == \"3A090.a\"", Truth3::kTrue},
      {"eccn() in [\"3A090.b\", \"not_3A090\"]", Truth3::kFalse},
      {"eccn() != \"3A090.a\"", Truth3::kFalse},
      {"item.datacenter && item.origin == \"US\"", Truth3::kTrue},
      {"date >= 2024-04-04 && date < 2024-06-02", Truth3::kTrue},
      {"kind == \"export\"", Truth3::kTrue},
      {"item.kind == \"computer\"", Truth3::kFalse},
      {"item.model in [\"x1\", \"x2\"] && item.vendor == \"V\"", Truth3::kTrue},
      {"consignee.name == \"Acme\"", Truth3::kTrue},
      {"listed(consignee) || affiliate_of_listed(consignee)", Truth3::kFalse},
      {"1e3 == 1000", Truth3::kTrue},
  };
  Fixture f;
  for (const Case& c : cases) EXPECT_EQ(f.Eval(c.text), c.expected) << c.text;
}

TEST(Expr, GroupMembershipFollowsTheDate) {
  Fixture f;
  f.tx.to = *Country::Parse("NI");
  f.tx.date = *Instant::Parse("2024-03-14");
  EXPECT_EQ(f.Eval("to in group(\"D:5\")"), Truth3::kFalse);
  f.tx.date = *Instant::Parse("2024-03-15");
  EXPECT_EQ(f.Eval("to in group(\"D:5\")"), Truth3::kTrue);
  f.tx.to = *Country::Parse("CY");
  f.tx.date = *Instant::Parse("2024-05-29");
  EXPECT_EQ(f.Eval("to in group(\"D:5\")"), Truth3::kTrue);
  f.tx.date = *Instant::Parse("2024-05-30");
  EXPECT_EQ(f.Eval("to in group(\"D:5\")"), Truth3::kFalse);
}

TEST(Expr, UnknownFactsAreThreeValued) {
  Fixture f;
  f.item.memory_bandwidth_gbps = kUnknownNumber;
  f.item.interconnect_gbps = 900;
  uint64_t unknown = 0;
  EXPECT_EQ(f.Eval("item.memory_bandwidth_gbps >= 4000", &unknown), Truth3::kUnknown);
  EXPECT_NE(unknown & (uint64_t{1} << static_cast<int>(Attr::kItemMemoryBandwidth)), 0u);
  // Kleene logic: a known true or false decides regardless of the unknown side.
  EXPECT_EQ(f.Eval("item.memory_bandwidth_gbps >= 4000 || item.interconnect_gbps >= 900"),
            Truth3::kTrue);
  EXPECT_EQ(f.Eval("item.memory_bandwidth_gbps >= 4000 && item.interconnect_gbps > 900"),
            Truth3::kFalse);
  EXPECT_EQ(f.Eval("!(item.memory_bandwidth_gbps >= 4000)"), Truth3::kUnknown);
  f.item.datacenter = catalog::Truth::kUnknown;
  EXPECT_EQ(f.Eval("item.datacenter"), Truth3::kUnknown);
  f.tx.consignee_year_tpp = kUnknownNumber;
  EXPECT_EQ(f.Eval("totals.consignee_year_tpp + shipment.tpp > 1"), Truth3::kUnknown);
}

TEST(Expr, KnownAsksWhetherAFactIsGivenWithoutFailingClosed) {
  Fixture f;
  f.tx.country_total_tpp = kUnknownNumber;
  f.tx.consignee_year_tpp = 10;
  uint64_t unknown = 0;
  EXPECT_EQ(f.Eval("known(totals.country_tpp)", &unknown), Truth3::kFalse);
  EXPECT_EQ(unknown, 0u);
  EXPECT_EQ(f.Eval("known(totals.consignee_year_tpp + shipment.tpp)"), Truth3::kTrue);
  EXPECT_EQ(f.Eval("known(totals.country_tpp) && totals.country_tpp > 0", &unknown),
            Truth3::kFalse);
  EXPECT_EQ(unknown, 0u);
  EXPECT_EQ(f.Eval("!known(totals.country_tpp)"), Truth3::kTrue);
}

TEST(Expr, UndeterminedEccnIsUnknownOnlyWhenItMatters) {
  Fixture f;
  f.item.figures.tpp.reset();  // the classifier cannot decide
  f.item.tpp = kUnknownNumber;
  uint64_t unknown = 0;
  EXPECT_EQ(f.Eval("eccn() == \"3A090.a\"", &unknown), Truth3::kUnknown);
  EXPECT_NE(unknown & kUnknownEccnBit, 0u);
  // Both possible outcomes are in the list: decided.
  EXPECT_EQ(f.Eval("eccn() in [\"3A090.a\", \"not_3A090\"]"), Truth3::kTrue);
  EXPECT_EQ(f.Eval("eccn() == \"3A090.b\""), Truth3::kFalse);
}

TEST(Expr, CompileErrorsSayWhereAndWhat) {
  struct Case {
    const char* text;
    size_t offset;
    const char* message_part;
  };
  const Case cases[] = {
      {"", 0, "empty condition"},
      {"item.tpp >= ", 12, "expected a value"},
      {"item.tpx >= 4800", 0, "unknown attribute \"item.tpx\""},
      {"tenant.hq == \"CN\"", 0, "not available for export"},
      {"item.tpp >= \"4800\"", 9, "needs numbers or dates"},
      {"item.tpp == to", 9, "cannot compare number with country"},
      {"to == \"XX\"", 6, "not a country code"},
      {"to in [\"CN\", \"ZZ\"]", 13, "not a country code"},
      {"eccn() == \"3A090.c\"", 10, "not a valid eccn"},
      {"kind == \"import\"", 8, "not a valid kind"},
      {"to in group(\"D:9\")", 12, "unknown country group \"D:9\""},
      {"frob(to)", 0, "unknown function \"frob\""},
      {"listed(to)", 7, "takes a party"},
      {"item.tpp >= 4800 &&", 19, "expected a value"},
      {"(item.tpp >= 4800", 17, "expected ')'"},
      {"item.tpp = 4800", 9, "single '='"},
      {"item.tpp >= 4800 4800", 17, "expected an operator"},
      {"1 < 2 < 3", 6, "do not chain"},
      {"item.tpp", 0, "must be a bool"},
      {"to == \"CN", 6, "unterminated string"},
      {"date >= 2024-02-30", 8, "invalid date"},
      {"item.tpp && true", 0, "bool operands"},
      {"12abc > 1", 0, "malformed number"},
      {"to # 1", 3, "unexpected character"},
      {"group(\"D:5\") == to", 0, "only stand on the right of 'in'"},
      {"known(to)", 6, "known() takes a number"},
      {"known()", 0, "takes 1 argument"},
  };
  Fixture f;
  for (const Case& c : cases) {
    ExprError error;
    Result<Program> program = Program::Compile(c.text, f.Env(), &error);
    ASSERT_FALSE(program.ok()) << c.text;
    EXPECT_EQ(program.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(error.offset, c.offset) << c.text << ": " << error.message;
    EXPECT_NE(error.message.find(c.message_part), std::string::npos)
        << c.text << ": " << error.message;
  }
}

TEST(Expr, EccnNeedsThresholds) {
  Fixture f;
  CompileEnv env = f.Env();
  env.has_eccn = false;
  ExprError error;
  EXPECT_FALSE(Program::Compile("eccn() == \"3A090.a\"", env, &error).ok());
  EXPECT_NE(error.message.find("thresholds"), std::string::npos);
}

TEST(Expr, NestingIsBounded) {
  Fixture f;
  std::string deep(200, '(');
  deep += "true";
  deep += std::string(200, ')');
  ExprError error;
  EXPECT_FALSE(Program::Compile(deep, f.Env(), &error).ok());
  EXPECT_NE(error.message.find("nested too deeply"), std::string::npos);
}

TEST(MessageTemplate, RendersFacts) {
  Fixture f;
  ExprError error;
  Result<MessageTemplate> tmpl = MessageTemplate::Compile(
      "{item.model} ({eccn()}) x {count} = {shipment.tpp} TPP to {to} on {date} {{braces}}",
      f.Env(), &error);
  ASSERT_TRUE(tmpl.ok()) << error.message;
  EvalContext ctx;
  ctx.tx = &f.tx;
  ctx.thresholds = &f.thresholds;
  ctx.eccn_slot = &f.eccn;
  ctx.eccn_ready = &f.eccn_ready;
  std::string out;
  tmpl->Render(ctx, out);
  EXPECT_EQ(out, "x1 (3A090.a) x 4 = 20000 TPP to CN on 2024-06-01 {braces}");
}

TEST(MessageTemplate, RejectsUnknownPlaceholders) {
  Fixture f;
  ExprError error;
  EXPECT_FALSE(MessageTemplate::Compile("{item.nope}", f.Env(), &error).ok());
  EXPECT_EQ(error.offset, 1u);
  EXPECT_FALSE(MessageTemplate::Compile("{tenant.hq}", f.Env(), &error).ok());
  EXPECT_NE(error.message.find("not available"), std::string::npos);
  EXPECT_FALSE(MessageTemplate::Compile("open {to", f.Env(), &error).ok());
  EXPECT_EQ(error.offset, 5u);
  EXPECT_FALSE(MessageTemplate::Compile("close }", f.Env(), &error).ok());
}

TEST(AppendNumber, PrintsIntegersAndFractions) {
  std::string out;
  AppendNumber(790000000, out);
  out += ' ';
  AppendNumber(19.45, out);
  out += ' ';
  AppendNumber(1e26, out);
  out += ' ';
  AppendNumber(19.449631449631448, out);
  out += ' ';
  AppendNumber(5284.8, out);
  out += ' ';
  AppendNumber(kUnknownNumber, out);
  EXPECT_EQ(out, "790000000 19.45 1e+26 19.4496 5284.8 unknown");
}

}  // namespace
}  // namespace straits::policy

// libFuzzer target: any condition either compiles and evaluates (to true,
// false or unknown) or reports an offset inside the text; message templates
// likewise. Never a crash, an overflow or an out-of-range offset.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/expr.h"

namespace {

using namespace straits;
using namespace straits::policy;

struct World {
  std::vector<CountryGroup> groups;
  catalog::ClassificationRegime thresholds;
  ItemFacts item;
  Transaction tx;

  World() {
    std::vector<GroupMembership> members;
    members.push_back({IndexOf(*Country::Parse("CN")), std::nullopt, std::nullopt, "s"});
    members.push_back(
        {IndexOf(*Country::Parse("NI")), *Instant::Parse("2024-03-15"), std::nullopt, "s"});
    groups.emplace_back("D:5", "s", std::move(members));
    catalog::Criterion criterion;
    criterion.bounds[0] = {catalog::Quantity::kTpp, catalog::Relation::kAtLeast, 4800};
    criterion.bound_count = 1;
    thresholds.criteria.push_back(criterion);
    item.model = "x";
    item.tpp = 5000;
    item.figures.tpp = 5000;
    tx.item = &item;
    tx.date = *Instant::Parse("2024-06-01");
    tx.to = *Country::Parse("CN");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (uint8_t kinds : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
    CompileEnv env;
    env.kinds = kinds;
    env.groups = &world->groups;
    env.has_eccn = (size % 2) == 0;
    ExprError error;
    Result<Program> program = Program::Compile(text, env, &error);
    catalog::EccnVerdict eccn{};
    bool ready = false;
    EvalContext ctx;
    ctx.tx = &world->tx;
    ctx.groups = &world->groups;
    ctx.thresholds = &world->thresholds;
    ctx.eccn_slot = &eccn;
    ctx.eccn_ready = &ready;
    if (program.ok()) {
      Truth3 result = program->Evaluate(ctx);
      if (static_cast<int>(result) > 2) std::abort();
    } else if (error.offset > text.size() || error.message.empty()) {
      std::abort();
    }
    Result<MessageTemplate> tmpl = MessageTemplate::Compile(text, env, &error);
    if (tmpl.ok()) {
      std::string out;
      tmpl->Render(ctx, out);
    } else if (error.offset > text.size()) {
      std::abort();
    }
  }
  return 0;
}

// libFuzzer target: any bytes (valid UTF-8 or not) screened as a party name
// normalize and score without crashing; scores stay within [0, 1].
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/screening.h"

namespace {

using namespace straits;
using namespace straits::policy;

Screener* MakeScreener() {
  std::vector<ListEntry> entries(2);
  entries[0].id = "E1";
  entries[0].list = "Test List";
  entries[0].name = "Huawei Technologies Co., Ltd.";
  entries[0].alt_names = {"华为技术有限公司", "Huawei"};
  entries[0].citation = "c";
  entries[1].id = "E2";
  entries[1].list = "Test List";
  entries[1].name = "Beijing Zhipu Huazhang Technology Co., Ltd.";
  entries[1].alt_names = {"Zhipu AI", "北京智谱华章科技有限公司"};
  entries[1].citation = "c";
  Clearance clearance{"Huawei Cloud", "E1", "reason", "officer", Instant()};
  return new Screener(std::move(Screener::Create(std::move(entries), {clearance}).value()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Screener* screener = MakeScreener();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Match& match : screener->Search(text)) {
    if (!(match.score >= 0 && match.score <= 1) || match.entry == nullptr) std::abort();
  }
  Party party;
  party.name = std::string(text.substr(0, size / 2));
  party.aliases = {std::string(text.substr(size / 2))};
  party.owners.push_back(PartyName{std::string(text), {}, std::nullopt});
  PartyScreening screening = screener->ScreenParty(party, std::nullopt);
  if (screening.listed && screening.listed_entry.empty()) std::abort();
  (void)screener->Normalize(text);
  return 0;
}

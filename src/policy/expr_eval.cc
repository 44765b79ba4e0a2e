// Evaluation of compiled conditions and message templates (see expr.h). No
// allocation: every value is a scalar, a view or a bit set.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "policy/expr.h"

namespace straits::policy {
namespace {

using Op = Program::Op;
using Node = Program::Node;
using Cmp = Program::Cmp;

constexpr uint64_t Bit(Attr attr) { return uint64_t{1} << static_cast<int>(attr); }

Truth3 FromBool(bool value) { return value ? Truth3::kTrue : Truth3::kFalse; }

Truth3 Not(Truth3 value) {
  if (value == Truth3::kUnknown) return value;
  return value == Truth3::kTrue ? Truth3::kFalse : Truth3::kTrue;
}

const PartyFacts& PartyOf(const Transaction& tx, Attr attr) {
  switch (attr) {
    case Attr::kConsignee:
      return tx.consignee;
    case Attr::kTenant:
      return tx.tenant;
    default:
      return tx.operator_party;
  }
}

double NumberAttr(const Transaction& tx, Attr attr) {
  const ItemFacts& item = *tx.item;
  switch (attr) {
    case Attr::kCount:
      return static_cast<double>(tx.count);
    case Attr::kItemTpp:
      return item.tpp;
    case Attr::kItemPd:
      return item.pd;
    case Attr::kItemMemoryBandwidth:
      return item.memory_bandwidth_gbps;
    case Attr::kItemInterconnect:
      return item.interconnect_gbps;
    case Attr::kShipmentTpp:
      return item.tpp * static_cast<double>(tx.count);
    case Attr::kTrainingFlop:
      return tx.training_flop;
    case Attr::kTotalsCountryTpp:
      return tx.country_total_tpp;
    case Attr::kTotalsConsigneeYearTpp:
      return tx.consignee_year_tpp;
    default:
      return kUnknownNumber;
  }
}

CountryIndex CountryAttr(const Transaction& tx, Attr attr) {
  switch (attr) {
    case Attr::kItemOrigin:
      return IndexOf(tx.item->origin);
    case Attr::kFrom:
      return IndexOf(tx.from);
    case Attr::kTo:
      return IndexOf(tx.to);
    case Attr::kConsigneeHq:
      return IndexOf(tx.consignee.hq);
    case Attr::kConsigneeParentHq:
      return IndexOf(tx.consignee.UltimateParentHq());
    case Attr::kSiteCountry:
      return IndexOf(tx.site_country);
    case Attr::kOperatorHq:
      return IndexOf(tx.operator_party.hq);
    case Attr::kTenantHq:
      return IndexOf(tx.tenant.hq);
    case Attr::kTenantParentHq:
      return IndexOf(tx.tenant.UltimateParentHq());
    default:
      return kNoCountry;
  }
}

std::string_view StringAttr(const Transaction& tx, Attr attr) {
  switch (attr) {
    case Attr::kItemModel:
      return tx.item->model;
    case Attr::kItemVendor:
      return tx.item->vendor;
    case Attr::kConsigneeName:
      return tx.consignee.name;
    case Attr::kConsigneeListedEntry:
      return tx.consignee.listed_entry;
    case Attr::kOperatorName:
      return tx.operator_party.name;
    case Attr::kTenantName:
      return tx.tenant.name;
    case Attr::kTenantListedEntry:
      return tx.tenant.listed_entry;
    default:
      return {};
  }
}

class Evaluator {
 public:
  Evaluator(const Program& program, EvalContext& ctx)
      : nodes_(program.nodes_.data()), program_(program), ctx_(ctx), tx_(*ctx.tx) {}

  Truth3 Bool(int32_t index) {
    const Node& n = nodes_[index];
    switch (n.op) {
      case Op::kBoolConst:
        return FromBool(n.integer != 0);
      case Op::kBoolAttr: {
        // item.datacenter is the only bool attribute.
        catalog::Truth value = tx_.item->datacenter;
        if (value == catalog::Truth::kUnknown) {
          ctx_.unknown_mask |= Bit(n.attr);
          return Truth3::kUnknown;
        }
        return FromBool(value == catalog::Truth::kTrue);
      }
      case Op::kAnd: {
        Truth3 lhs = Bool(n.lhs);
        if (lhs == Truth3::kFalse) return lhs;
        Truth3 rhs = Bool(n.rhs);
        if (rhs == Truth3::kFalse) return rhs;
        return lhs == Truth3::kTrue && rhs == Truth3::kTrue ? Truth3::kTrue : Truth3::kUnknown;
      }
      case Op::kOr: {
        Truth3 lhs = Bool(n.lhs);
        if (lhs == Truth3::kTrue) return lhs;
        Truth3 rhs = Bool(n.rhs);
        if (rhs == Truth3::kTrue) return rhs;
        return lhs == Truth3::kFalse && rhs == Truth3::kFalse ? Truth3::kFalse : Truth3::kUnknown;
      }
      case Op::kNot:
        return Not(Bool(n.lhs));
      case Op::kNumCmp: {
        double lhs = Num(n.lhs);
        double rhs = Num(n.rhs);
        if (std::isnan(lhs) || std::isnan(rhs)) return Truth3::kUnknown;
        return FromBool(Compare(n.cmp, lhs, rhs));
      }
      case Op::kDateCmp:
        return FromBool(Compare(n.cmp, Date(n.lhs), Date(n.rhs)));
      case Op::kCountryEq: {
        CountryIndex lhs = CountryOf(n.lhs);
        CountryIndex rhs = CountryOf(n.rhs);
        if (lhs == kNoCountry || rhs == kNoCountry) return Truth3::kUnknown;
        return FromBool((lhs == rhs) != n.negate);
      }
      case Op::kCountryInGroup: {
        CountryIndex country = CountryOf(n.lhs);
        if (country == kNoCountry) return Truth3::kUnknown;
        return FromBool((*ctx_.groups)[n.index].Contains(country, tx_.date));
      }
      case Op::kCountryInSet: {
        CountryIndex country = CountryOf(n.lhs);
        if (country == kNoCountry) return Truth3::kUnknown;
        return FromBool(program_.sets_[n.index].Contains(country));
      }
      case Op::kStrEq: {
        bool lhs_known = true;
        bool rhs_known = true;
        std::string_view lhs = Str(n.lhs, lhs_known);
        std::string_view rhs = Str(n.rhs, rhs_known);
        if (!lhs_known || !rhs_known) return Truth3::kUnknown;
        return FromBool((lhs == rhs) != n.negate);
      }
      case Op::kStrIn: {
        bool known = true;
        std::string_view value = Str(n.lhs, known);
        if (!known) return Truth3::kUnknown;
        for (const std::string& candidate : program_.string_lists_[n.index]) {
          if (candidate == value) return Truth3::kTrue;
        }
        return Truth3::kFalse;
      }
      case Op::kEccnIn: {
        catalog::EccnVerdict verdict = ctx_.Eccn();
        uint64_t possible = verdict.possible;
        if (possible == 0) possible = uint64_t{1} << static_cast<int>(verdict.eccn);
        uint64_t mask = static_cast<uint64_t>(n.integer);
        Truth3 result;
        if ((possible & ~mask) == 0) {
          result = Truth3::kTrue;
        } else if ((possible & mask) == 0) {
          result = Truth3::kFalse;
        } else {
          ctx_.unknown_mask |= kUnknownEccnBit;
          result = Truth3::kUnknown;
        }
        return n.negate ? Not(result) : result;
      }
      case Op::kEnumIn: {
        int value = 0;
        switch (n.attr) {
          case Attr::kKind:
            value = static_cast<int>(tx_.kind);
            break;
          case Attr::kEndUse:
            value = static_cast<int>(tx_.end_use);
            break;
          default:  // item.kind
            value = tx_.item->item_kind == catalog::ItemKind::kComputer ? 1 : 0;
            break;
        }
        bool in = ((n.integer >> value) & 1) != 0;
        return FromBool(in != n.negate);
      }
      case Op::kListed:
        return FromBool(PartyOf(tx_, n.attr).listed);
      case Op::kAffiliate:
        return FromBool(PartyOf(tx_, n.attr).affiliate_of_listed);
      case Op::kKnown: {
        // Asking whether a fact is known does not make the rule undetermined.
        const uint64_t saved = ctx_.unknown_mask;
        const double value = Num(n.lhs);
        ctx_.unknown_mask = saved;
        return FromBool(!std::isnan(value));
      }
      default:
        return Truth3::kUnknown;  // unreachable: the compiler types every node
    }
  }

  double Num(int32_t index) {
    const Node& n = nodes_[index];
    switch (n.op) {
      case Op::kNumConst:
        return n.number;
      case Op::kNumAttr: {
        double value = NumberAttr(tx_, n.attr);
        if (std::isnan(value)) ctx_.unknown_mask |= Bit(n.attr);
        return value;
      }
      case Op::kAdd:
        return Num(n.lhs) + Num(n.rhs);
      case Op::kSub:
        return Num(n.lhs) - Num(n.rhs);
      case Op::kMul:
        return Num(n.lhs) * Num(n.rhs);
      case Op::kDiv: {
        double rhs = Num(n.rhs);
        double lhs = Num(n.lhs);
        return rhs == 0 ? kUnknownNumber : lhs / rhs;
      }
      case Op::kNeg:
        return -Num(n.lhs);
      default:
        return kUnknownNumber;
    }
  }

  CountryIndex CountryOf(int32_t index) {
    const Node& n = nodes_[index];
    if (n.op == Op::kCountryConst) return n.index;
    CountryIndex value = CountryAttr(tx_, n.attr);
    if (value == kNoCountry) ctx_.unknown_mask |= Bit(n.attr);
    return value;
  }

  int64_t Date(int32_t index) {
    const Node& n = nodes_[index];
    return n.op == Op::kDateConst ? n.integer : tx_.date.unix_seconds();
  }

  std::string_view Str(int32_t index, bool& known) {
    const Node& n = nodes_[index];
    if (n.op == Op::kStrConst) return program_.strings_[n.index];
    std::string_view value = StringAttr(tx_, n.attr);
    if (value.empty() && n.attr != Attr::kConsigneeListedEntry &&
        n.attr != Attr::kTenantListedEntry) {
      ctx_.unknown_mask |= Bit(n.attr);
      known = false;
    }
    return value;
  }

  template <typename T>
  static bool Compare(Cmp cmp, T lhs, T rhs) {
    switch (cmp) {
      case Cmp::kEq:
        return lhs == rhs;
      case Cmp::kNe:
        return lhs != rhs;
      case Cmp::kLt:
        return lhs < rhs;
      case Cmp::kLe:
        return lhs <= rhs;
      case Cmp::kGt:
        return lhs > rhs;
      case Cmp::kGe:
        return lhs >= rhs;
    }
    return false;
  }

 private:
  const Node* nodes_;
  const Program& program_;
  EvalContext& ctx_;
  const Transaction& tx_;
};

void AppendCountry(CountryIndex index, std::string& out) {
  if (index == kNoCountry) {
    out += "unknown";
    return;
  }
  std::array<char, 2> code = CodeOf(index);
  out.append(code.data(), 2);
}

}  // namespace

catalog::EccnVerdict EvalContext::Eccn() {
  if (!*eccn_ready) {
    *eccn_slot = catalog::DecideEccn(tx->item->figures, *thresholds);
    *eccn_ready = true;
  }
  return *eccn_slot;
}

Truth3 Program::Evaluate(EvalContext& ctx) const {
  Evaluator evaluator(*this, ctx);
  return evaluator.Bool(root_);
}

void AppendNumber(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "unknown";
    return;
  }
  char buffer[48];
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    std::to_chars_result result =
        std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int64_t>(value));
    out.append(buffer, result.ptr);
    return;
  }
  if (std::fabs(value) < 1e15) {
    // Messages are read by people: four decimals at most (19.4496), which
    // keeps values apart from the two-decimal thresholds (5.92) they meet.
    int written = std::snprintf(buffer, sizeof(buffer), "%.4f", value);
    if (written <= 0) return;
    std::string_view text(buffer, static_cast<size_t>(written));
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
    out += text;
    return;
  }
  std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

void AppendDate(Instant date, std::string& out) {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  int64_t seconds = date.unix_seconds();
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t year = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
  char buffer[24];
  int written =
      std::snprintf(buffer, sizeof(buffer), "%04lld-%02lld-%02lld", static_cast<long long>(year),
                    static_cast<long long>(month), static_cast<long long>(day));
  if (written > 0) out.append(buffer, static_cast<size_t>(written));
}

void MessageTemplate::Render(EvalContext& ctx, std::string& out) const {
  const Transaction& tx = *ctx.tx;
  for (const Segment& segment : segments_) {
    if (segment.is_literal) {
      out.append(literal_, segment.begin, segment.end - segment.begin);
      continue;
    }
    if (segment.is_eccn) {
      catalog::EccnVerdict verdict = ctx.Eccn();
      if (verdict.eccn != catalog::Eccn::kUndetermined) {
        out += catalog::EccnName(verdict.eccn);
        continue;
      }
      out += "undetermined (";
      bool first = true;
      for (int bit = 0; bit < 8; ++bit) {
        if (((verdict.possible >> bit) & 1) == 0) continue;
        if (!first) out += " or ";
        first = false;
        out += catalog::EccnName(static_cast<catalog::Eccn>(bit));
      }
      out += ")";
      continue;
    }
    const AttrInfo& info = InfoOf(segment.attr);
    switch (info.type) {
      case Type::kNumber:
        AppendNumber(NumberAttr(tx, segment.attr), out);
        break;
      case Type::kCountry:
        AppendCountry(CountryAttr(tx, segment.attr), out);
        break;
      case Type::kString: {
        std::string_view value = StringAttr(tx, segment.attr);
        out += value.empty() ? std::string_view("(unnamed)") : value;
        break;
      }
      case Type::kDate:
        AppendDate(tx.date, out);
        break;
      case Type::kBool:
        out += catalog::TruthName(tx.item->datacenter);
        break;
      case Type::kKind:
        out += KindName(tx.kind);
        break;
      case Type::kEndUse:
        out += EndUseName(tx.end_use);
        break;
      case Type::kItemKind:
        out += catalog::ItemKindName(tx.item->item_kind);
        break;
      default:
        break;
    }
  }
}

}  // namespace straits::policy

// The condition language of rule packs: parsed and type-checked when a pack
// loads, compiled to a flat node array, evaluated without allocating.
//
//   eccn() in ["3A090.a", "4A090.a"] && item.datacenter
//     && (to in group("D:5") || consignee.parent_hq == "MO")
//   totals.country_tpp + shipment.tpp > 790_000_000
//   date >= 2024-04-04 && end_use == "training" && training_flop >= 1e25
//
// Grammar (lowest precedence first):
//   or      := and ("||" and)*
//   and     := not ("&&" not)*
//   not     := "!" not | compare
//   compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum)?
//   sum     := product (("+" | "-") product)*
//   product := unary (("*" | "/") unary)*
//   unary   := "-" unary | primary
//   primary := NUMBER | STRING | DATE | "true" | "false" | PATH | NAME "(" args ")"
//            | "[" (or ("," or)*)? "]" | "(" or ")"
// NUMBER: 42, 4800.0, 1e26, 790_000_000. STRING: "..." or '...'. DATE:
// YYYY-MM-DD written without spaces (2024-04-04; `2024 - 4` is arithmetic).
// PATH: an attribute from policy/attributes.h (item.tpp, tenant.hq, ...).
// Functions: group("D:5") (the pack's group as of the transaction date),
// eccn() (under the pack's thresholds), listed(party) and
// affiliate_of_listed(party) for party in tenant, consignee, operator.
//
// Type rules: && || ! take bools; < <= > >= take two numbers or two dates;
// + - * / take numbers; == and != take two values of one type, where a string
// literal stands for a country code, an ECCN, a kind, an end use or an item
// kind when the other side is one (and is checked: "XX" is not a country);
// `x in [..]` takes a list of literals of x's type, `c in group(..)` a country.
//
// Three-valued evaluation: a number, country or flag the transaction does not
// know (NaN, nullopt, Truth::kUnknown), or an ECCN the classifier could not
// decide, makes a comparison `unknown`; && and || follow Kleene logic (false
// && unknown is false, true || unknown is true). The caller decides what an
// unknown condition means (the engine treats it as firing, fail-closed).
//
// Thread-safety: a Program is immutable after compilation; Evaluate is const.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/classify.h"
#include "catalog/regime.h"
#include "core/status.h"
#include "policy/attributes.h"
#include "policy/groups.h"
#include "policy/transaction.h"

namespace straits::policy {

enum class Truth3 : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };
std::string_view Truth3Name(Truth3 truth);

// What a condition may refer to, supplied by the pack loader.
struct CompileEnv {
  uint8_t kinds = kAllKinds;  // the kinds of transaction the rule applies to
  const std::vector<CountryGroup>* groups = nullptr;  // the pack's groups
  bool has_eccn = false;  // the pack has thresholds, so eccn() is available
};

// A compile error: what was wrong and where (byte offset into the text).
struct ExprError {
  size_t offset = 0;
  std::string message;
};

// Per-decision state the evaluator reads: the transaction and the ECCN of its
// item under the pack's thresholds (computed lazily, once per decision).
struct EvalContext {
  const Transaction* tx = nullptr;
  const std::vector<CountryGroup>* groups = nullptr;
  const catalog::ClassificationRegime* thresholds = nullptr;
  catalog::EccnVerdict* eccn_slot = nullptr;  // cache owned by the caller
  bool* eccn_ready = nullptr;
  // Bit (1 << Attr) for every attribute read as unknown; bit 63 for eccn().
  uint64_t unknown_mask = 0;

  catalog::EccnVerdict Eccn();
};

inline constexpr uint64_t kUnknownEccnBit = uint64_t{1} << 63;

class Program {
 public:
  Program() = default;

  // Parses and type-checks `text` as a bool condition. On failure returns
  // invalid_argument and fills `error` with the offset and message.
  static Result<Program> Compile(std::string_view text, const CompileEnv& env, ExprError* error);

  Truth3 Evaluate(EvalContext& ctx) const;

  // Attributes the condition reads (bit per Attr), for documentation and tests.
  uint64_t attributes_read() const { return attributes_read_; }
  bool uses_eccn() const { return uses_eccn_; }

  // Implementation detail, public for the compiler and evaluator in expr_*.cc.
  enum class Op : uint8_t {
    kBoolConst,
    kBoolAttr,
    kAnd,
    kOr,
    kNot,
    kNumCmp,
    kDateCmp,
    kCountryEq,
    kCountryInGroup,
    kCountryInSet,
    kStrEq,
    kStrIn,
    kEccnIn,
    kEnumIn,
    kListed,
    kAffiliate,
    kNumConst,
    kNumAttr,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kNeg,
    kCountryConst,
    kCountryAttr,
    kDateConst,
    kDateAttr,
    kStrConst,
    kStrAttr,
    kEccnCall,
    kKnown,  // known(number): lhs is the numeric operand
  };
  enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
  struct Node {
    Op op = Op::kBoolConst;
    Cmp cmp = Cmp::kEq;
    bool negate = false;
    Attr attr = Attr::kKind;
    uint16_t index = 0;  // group, set, string or list index; country index
    int32_t lhs = -1;
    int32_t rhs = -1;
    double number = 0;
    int64_t integer = 0;  // bool const, date seconds, enum/eccn mask
  };

  std::vector<Node> nodes_;
  int32_t root_ = -1;
  std::vector<CountrySet> sets_;
  std::vector<std::string> strings_;
  std::vector<std::vector<std::string>> string_lists_;
  uint64_t attributes_read_ = 0;
  bool uses_eccn_ = false;
};

// A message template: text with {attribute} or {eccn()} placeholders naming
// the facts that made a rule fire; "{{" and "}}" are literal braces.
class MessageTemplate {
 public:
  // invalid_argument with `error` filled for an unknown placeholder, one not
  // provided by every kind in env.kinds, eccn() without thresholds, or an
  // unbalanced brace.
  static Result<MessageTemplate> Compile(std::string_view text, const CompileEnv& env,
                                         ExprError* error);

  // Appends the rendered text to `out` (no allocation once `out` has capacity).
  void Render(EvalContext& ctx, std::string& out) const;

  const std::string& text() const { return text_; }

 private:
  struct Segment {
    bool is_literal = true;
    bool is_eccn = false;
    Attr attr = Attr::kKind;
    size_t begin = 0;  // literal: range in literal_
    size_t end = 0;
  };
  std::string text_;
  std::string literal_;
  std::vector<Segment> segments_;
};

// Appends a number as messages print it: integers without a fraction, others
// with at most four decimals (shortest form from 1e15 up); "unknown" for NaN.
void AppendNumber(double value, std::string& out);
// Appends YYYY-MM-DD.
void AppendDate(Instant date, std::string& out);

}  // namespace straits::policy

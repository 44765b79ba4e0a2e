// Lexer, parser and type checker of the condition language (see expr.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "policy/expr.h"

namespace straits::policy {
namespace {

constexpr size_t kMaxExpressionLength = 8192;
constexpr int kMaxDepth = 64;

enum class Tok : uint8_t {
  kEnd,
  kNumber,
  kString,
  kDate,
  kPath,
  kTrue,
  kFalse,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kAnd,
  kOr,
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kStar,
  kSlash,
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t offset = 0;
  std::string text;  // path, or decoded string
  double number = 0;
  Instant date;
};

std::string_view Describe(Tok kind) {
  switch (kind) {
    case Tok::kEnd:
      return "end of condition";
    case Tok::kNumber:
      return "a number";
    case Tok::kString:
      return "a string";
    case Tok::kDate:
      return "a date";
    case Tok::kPath:
      return "a name";
    case Tok::kTrue:
      return "true";
    case Tok::kFalse:
      return "false";
    case Tok::kIn:
      return "'in'";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kComma:
      return "','";
    case Tok::kAnd:
      return "'&&'";
    case Tok::kOr:
      return "'||'";
    case Tok::kNot:
      return "'!'";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGe:
      return "'>='";
    case Tok::kPlus:
      return "'+'";
    case Tok::kMinus:
      return "'-'";
    case Tok::kStar:
      return "'*'";
    case Tok::kSlash:
      return "'/'";
  }
  return "?";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  bool Next(Token& tok, ExprError* error) {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
    tok = Token();
    tok.offset = pos_;
    if (pos_ >= text_.size()) return true;
    char c = text_[pos_];
    auto two = [&](char second) { return pos_ + 1 < text_.size() && text_[pos_ + 1] == second; };
    auto single = [&](Tok kind, size_t len) {
      tok.kind = kind;
      pos_ += len;
      return true;
    };
    switch (c) {
      case '(':
        return single(Tok::kLParen, 1);
      case ')':
        return single(Tok::kRParen, 1);
      case '[':
        return single(Tok::kLBracket, 1);
      case ']':
        return single(Tok::kRBracket, 1);
      case ',':
        return single(Tok::kComma, 1);
      case '+':
        return single(Tok::kPlus, 1);
      case '-':
        return single(Tok::kMinus, 1);
      case '*':
        return single(Tok::kStar, 1);
      case '/':
        return single(Tok::kSlash, 1);
      case '&':
        if (two('&')) return single(Tok::kAnd, 2);
        return Fail(error, "expected '&&'");
      case '|':
        if (two('|')) return single(Tok::kOr, 2);
        return Fail(error, "expected '||'");
      case '=':
        if (two('=')) return single(Tok::kEq, 2);
        return Fail(error, "expected '==' (a single '=' is not an operator)");
      case '!':
        if (two('=')) return single(Tok::kNe, 2);
        return single(Tok::kNot, 1);
      case '<':
        if (two('=')) return single(Tok::kLe, 2);
        return single(Tok::kLt, 1);
      case '>':
        if (two('=')) return single(Tok::kGe, 2);
        return single(Tok::kGt, 1);
      case '"':
      case '\'':
        return LexString(tok, error);
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
      return LexNumberOrDate(tok, error);
    }
    if (IsIdentStart(c)) return LexPath(tok, error);
    return Fail(error, std::string("unexpected character '") + c + "'");
  }

 private:
  bool Fail(ExprError* error, std::string message) {
    error->offset = pos_;
    error->message = std::move(message);
    return false;
  }

  bool LexString(Token& tok, ExprError* error) {
    char quote = text_[pos_];
    size_t start = pos_;
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next != quote && next != '\\') {
          return Fail(error, "only \\\\ and \\" + std::string(1, quote) +
                                 " escapes are allowed in a string");
        }
        out += next;
        pos_ += 2;
        continue;
      }
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) {
      pos_ = start;
      return Fail(error, "unterminated string (expected a closing " + std::string(1, quote) + ")");
    }
    ++pos_;
    tok.kind = Tok::kString;
    tok.text = std::move(out);
    return true;
  }

  bool LexNumberOrDate(Token& tok, ExprError* error) {
    size_t start = pos_;
    // YYYY-MM-DD written without spaces is a date.
    if (pos_ + 10 <= text_.size() && IsDigit(text_[pos_]) && IsDigit(text_[pos_ + 1]) &&
        IsDigit(text_[pos_ + 2]) && IsDigit(text_[pos_ + 3]) && text_[pos_ + 4] == '-' &&
        IsDigit(text_[pos_ + 5]) && IsDigit(text_[pos_ + 6]) && text_[pos_ + 7] == '-' &&
        IsDigit(text_[pos_ + 8]) && IsDigit(text_[pos_ + 9]) &&
        (pos_ + 10 == text_.size() || !IsIdentChar(text_[pos_ + 10]))) {
      Result<Instant> date = Instant::Parse(text_.substr(pos_, 10));
      if (!date.ok()) return Fail(error, "invalid date: " + date.status().message());
      tok.kind = Tok::kDate;
      tok.date = *date;
      pos_ += 10;
      return true;
    }
    std::string digits;
    bool seen_exp = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (IsDigit(c) || c == '.') {
        digits += c;
      } else if (c == '_' && !digits.empty() && IsDigit(digits.back()) && pos_ + 1 < text_.size() &&
                 IsDigit(text_[pos_ + 1])) {
        // digit separator
      } else if ((c == 'e' || c == 'E') && !seen_exp) {
        seen_exp = true;
        digits += c;
        if (pos_ + 1 < text_.size() && (text_[pos_ + 1] == '+' || text_[pos_ + 1] == '-')) {
          digits += text_[++pos_];
        }
      } else {
        break;
      }
      ++pos_;
    }
    if (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
      pos_ = start;
      return Fail(error,
                  "malformed number (expected digits, '.', an exponent or '_' between digits)");
    }
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value)) {
      pos_ = start;
      return Fail(error, "malformed number \"" + digits + "\"");
    }
    tok.kind = Tok::kNumber;
    tok.number = value;
    return true;
  }

  bool LexPath(Token& tok, ExprError* error) {
    size_t start = pos_;
    while (true) {
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
      if (pos_ + 1 < text_.size() && text_[pos_] == '.' && IsIdentStart(text_[pos_ + 1])) {
        ++pos_;
        continue;
      }
      break;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      return Fail(error, "expected a name after '.'");
    }
    tok.text = std::string(text_.substr(start, pos_ - start));
    if (tok.text == "true") {
      tok.kind = Tok::kTrue;
    } else if (tok.text == "false") {
      tok.kind = Tok::kFalse;
    } else if (tok.text == "in") {
      tok.kind = Tok::kIn;
    } else {
      tok.kind = Tok::kPath;
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---- AST -------------------------------------------------------------------

enum class AstKind : uint8_t {
  kNumber,
  kString,
  kDate,
  kBool,
  kPath,
  kCall,
  kList,
  kAnd,
  kOr,
  kNot,
  kNeg,
  kCmp,
  kIn,
  kArith,
};

struct AstNode {
  AstKind kind = AstKind::kNumber;
  size_t offset = 0;
  double number = 0;
  Instant date;
  bool boolean = false;
  std::string text;  // path, function name, string value
  Program::Cmp cmp = Program::Cmp::kEq;
  char arith = '+';
  std::vector<int> kids;
};

class Parser {
 public:
  Parser(std::string_view text, ExprError* error) : lexer_(text), error_(error) {}

  bool Parse(std::vector<AstNode>& out, int& root) {
    nodes_ = &out;
    if (!Advance()) return false;
    if (tok_.kind == Tok::kEnd)
      return Fail(tok_.offset, "empty condition (expected an expression)");
    if (!ParseOr(root, 0)) return false;
    if (tok_.kind != Tok::kEnd) {
      return Fail(tok_.offset, "expected an operator or the end of the condition, found " +
                                   std::string(Describe(tok_.kind)));
    }
    return true;
  }

 private:
  bool Advance() { return lexer_.Next(tok_, error_); }
  bool Fail(size_t offset, std::string message) {
    error_->offset = offset;
    error_->message = std::move(message);
    return false;
  }
  int Add(AstNode node) {
    nodes_->push_back(std::move(node));
    return static_cast<int>(nodes_->size() - 1);
  }
  int Binary(AstKind kind, size_t offset, int lhs, int rhs) {
    AstNode node;
    node.kind = kind;
    node.offset = offset;
    node.kids = {lhs, rhs};
    return Add(std::move(node));
  }
  bool Deep(int depth) {
    if (depth > kMaxDepth)
      return Fail(tok_.offset, "condition nested too deeply (at most 64 levels)");
    return true;
  }

  bool ParseOr(int& out, int depth) {
    if (!Deep(depth) || !ParseAnd(out, depth + 1)) return false;
    while (tok_.kind == Tok::kOr) {
      size_t offset = tok_.offset;
      int rhs = -1;
      if (!Advance() || !ParseAnd(rhs, depth + 1)) return false;
      out = Binary(AstKind::kOr, offset, out, rhs);
    }
    return true;
  }
  bool ParseAnd(int& out, int depth) {
    if (!Deep(depth) || !ParseNot(out, depth + 1)) return false;
    while (tok_.kind == Tok::kAnd) {
      size_t offset = tok_.offset;
      int rhs = -1;
      if (!Advance() || !ParseNot(rhs, depth + 1)) return false;
      out = Binary(AstKind::kAnd, offset, out, rhs);
    }
    return true;
  }
  bool ParseNot(int& out, int depth) {
    if (!Deep(depth)) return false;
    if (tok_.kind == Tok::kNot) {
      size_t offset = tok_.offset;
      int operand = -1;
      if (!Advance() || !ParseNot(operand, depth + 1)) return false;
      AstNode node;
      node.kind = AstKind::kNot;
      node.offset = offset;
      node.kids = {operand};
      out = Add(std::move(node));
      return true;
    }
    return ParseCompare(out, depth + 1);
  }
  bool ParseCompare(int& out, int depth) {
    if (!Deep(depth) || !ParseSum(out, depth + 1)) return false;
    std::optional<Program::Cmp> cmp;
    switch (tok_.kind) {
      case Tok::kEq:
        cmp = Program::Cmp::kEq;
        break;
      case Tok::kNe:
        cmp = Program::Cmp::kNe;
        break;
      case Tok::kLt:
        cmp = Program::Cmp::kLt;
        break;
      case Tok::kLe:
        cmp = Program::Cmp::kLe;
        break;
      case Tok::kGt:
        cmp = Program::Cmp::kGt;
        break;
      case Tok::kGe:
        cmp = Program::Cmp::kGe;
        break;
      default:
        break;
    }
    if (cmp || tok_.kind == Tok::kIn) {
      size_t offset = tok_.offset;
      bool is_in = tok_.kind == Tok::kIn;
      int rhs = -1;
      if (!Advance() || !ParseSum(rhs, depth + 1)) return false;
      out = Binary(is_in ? AstKind::kIn : AstKind::kCmp, offset, out, rhs);
      if (cmp) (*nodes_)[static_cast<size_t>(out)].cmp = *cmp;
      switch (tok_.kind) {
        case Tok::kEq:
        case Tok::kNe:
        case Tok::kLt:
        case Tok::kLe:
        case Tok::kGt:
        case Tok::kGe:
        case Tok::kIn:
          return Fail(tok_.offset, "comparisons do not chain; use && or parentheses");
        default:
          break;
      }
    }
    return true;
  }
  bool ParseSum(int& out, int depth) {
    if (!Deep(depth) || !ParseProduct(out, depth + 1)) return false;
    while (tok_.kind == Tok::kPlus || tok_.kind == Tok::kMinus) {
      size_t offset = tok_.offset;
      char op = tok_.kind == Tok::kPlus ? '+' : '-';
      int rhs = -1;
      if (!Advance() || !ParseProduct(rhs, depth + 1)) return false;
      out = Binary(AstKind::kArith, offset, out, rhs);
      (*nodes_)[static_cast<size_t>(out)].arith = op;
    }
    return true;
  }
  bool ParseProduct(int& out, int depth) {
    if (!Deep(depth) || !ParseUnary(out, depth + 1)) return false;
    while (tok_.kind == Tok::kStar || tok_.kind == Tok::kSlash) {
      size_t offset = tok_.offset;
      char op = tok_.kind == Tok::kStar ? '*' : '/';
      int rhs = -1;
      if (!Advance() || !ParseUnary(rhs, depth + 1)) return false;
      out = Binary(AstKind::kArith, offset, out, rhs);
      (*nodes_)[static_cast<size_t>(out)].arith = op;
    }
    return true;
  }
  bool ParseUnary(int& out, int depth) {
    if (!Deep(depth)) return false;
    if (tok_.kind == Tok::kMinus) {
      size_t offset = tok_.offset;
      int operand = -1;
      if (!Advance() || !ParseUnary(operand, depth + 1)) return false;
      AstNode node;
      node.kind = AstKind::kNeg;
      node.offset = offset;
      node.kids = {operand};
      out = Add(std::move(node));
      return true;
    }
    return ParsePrimary(out, depth + 1);
  }
  bool ParsePrimary(int& out, int depth) {
    if (!Deep(depth)) return false;
    AstNode node;
    node.offset = tok_.offset;
    switch (tok_.kind) {
      case Tok::kNumber:
        node.kind = AstKind::kNumber;
        node.number = tok_.number;
        out = Add(std::move(node));
        return Advance();
      case Tok::kString:
        node.kind = AstKind::kString;
        node.text = tok_.text;
        out = Add(std::move(node));
        return Advance();
      case Tok::kDate:
        node.kind = AstKind::kDate;
        node.date = tok_.date;
        out = Add(std::move(node));
        return Advance();
      case Tok::kTrue:
      case Tok::kFalse:
        node.kind = AstKind::kBool;
        node.boolean = tok_.kind == Tok::kTrue;
        out = Add(std::move(node));
        return Advance();
      case Tok::kPath: {
        node.text = tok_.text;
        if (!Advance()) return false;
        if (tok_.kind != Tok::kLParen) {
          node.kind = AstKind::kPath;
          out = Add(std::move(node));
          return true;
        }
        node.kind = AstKind::kCall;
        if (!Advance()) return false;
        if (tok_.kind != Tok::kRParen) {
          while (true) {
            int arg = -1;
            if (!ParseOr(arg, depth + 1)) return false;
            node.kids.push_back(arg);
            if (tok_.kind == Tok::kComma) {
              if (!Advance()) return false;
              continue;
            }
            if (tok_.kind != Tok::kRParen) {
              return Fail(tok_.offset, "expected ',' or ')' in the arguments of " + node.text +
                                           "(), found " + std::string(Describe(tok_.kind)));
            }
            break;
          }
        }
        out = Add(std::move(node));
        return Advance();
      }
      case Tok::kLBracket: {
        node.kind = AstKind::kList;
        if (!Advance()) return false;
        if (tok_.kind != Tok::kRBracket) {
          while (true) {
            int element = -1;
            if (!ParseOr(element, depth + 1)) return false;
            node.kids.push_back(element);
            if (tok_.kind == Tok::kComma) {
              if (!Advance()) return false;
              if (tok_.kind == Tok::kRBracket) break;  // trailing comma
              continue;
            }
            if (tok_.kind != Tok::kRBracket) {
              return Fail(tok_.offset, "expected ',' or ']' in a list, found " +
                                           std::string(Describe(tok_.kind)));
            }
            break;
          }
        }
        out = Add(std::move(node));
        return Advance();
      }
      case Tok::kLParen: {
        if (!Advance() || !ParseOr(out, depth + 1)) return false;
        if (tok_.kind != Tok::kRParen) {
          return Fail(tok_.offset, "expected ')', found " + std::string(Describe(tok_.kind)));
        }
        return Advance();
      }
      default:
        return Fail(tok_.offset,
                    "expected a value (number, string, date, attribute, function call, list or "
                    "'('), found " +
                        std::string(Describe(tok_.kind)));
    }
  }

  Lexer lexer_;
  ExprError* error_;
  Token tok_;
  std::vector<AstNode>* nodes_ = nullptr;
};

// ---- type checking and code generation -------------------------------------

using Op = Program::Op;
using Node = Program::Node;

struct Typed {
  Type type = Type::kBool;
  int32_t node = -1;  // -1 for unresolved literals (strings, lists)
  int ast = -1;
  bool string_literal = false;
  uint16_t group = 0;  // for kCountrySet: index of the pack's group
};

std::string KnownAttributes(uint8_t kinds) {
  std::string out;
  for (const AttrInfo& info : AllAttributes()) {
    if (info.type == Type::kParty || (info.kinds & kinds) != kinds) continue;
    if (!out.empty()) out += ", ";
    out += info.path;
  }
  return out;
}

std::string KindList(uint8_t kinds) {
  std::string out;
  for (Kind kind : {Kind::kExport, Kind::kRemoteAccess}) {
    if ((kinds & KindBit(kind)) == 0) continue;
    if (!out.empty()) out += " and ";
    out += KindName(kind);
  }
  return out;
}

class Compiler {
 public:
  Compiler(const std::vector<AstNode>& ast, const CompileEnv& env, Program& program,
           ExprError* error)
      : ast_(ast), env_(env), program_(program), error_(error) {}

  bool CompileBool(int ast_index, int32_t& out) {
    Typed typed;
    if (!Check(ast_index, typed)) return false;
    if (typed.type != Type::kBool) {
      return Fail(ast_index, "a condition must be a bool, found " + Describe(typed));
    }
    out = typed.node;
    return true;
  }

 private:
  const AstNode& At(int index) const { return ast_[static_cast<size_t>(index)]; }

  bool Fail(int ast_index, std::string message) {
    error_->offset = At(ast_index).offset;
    error_->message = std::move(message);
    return false;
  }

  static std::string Describe(const Typed& typed) {
    if (typed.string_literal) return "a string literal";
    return std::string(TypeName(typed.type));
  }

  int32_t Emit(Node node) {
    program_.nodes_.push_back(node);
    return static_cast<int32_t>(program_.nodes_.size() - 1);
  }

  bool Check(int index, Typed& out) {
    const AstNode& node = At(index);
    out = Typed();
    out.ast = index;
    switch (node.kind) {
      case AstKind::kNumber: {
        Node n;
        n.op = Op::kNumConst;
        n.number = node.number;
        out.type = Type::kNumber;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kDate: {
        Node n;
        n.op = Op::kDateConst;
        n.integer = node.date.unix_seconds();
        out.type = Type::kDate;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kBool: {
        Node n;
        n.op = Op::kBoolConst;
        n.integer = node.boolean ? 1 : 0;
        out.type = Type::kBool;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kString:
        out.type = Type::kString;
        out.string_literal = true;
        return true;
      case AstKind::kList:
        out.type = Type::kList;
        return true;
      case AstKind::kPath:
        return CheckPath(index, out);
      case AstKind::kCall:
        return CheckCall(index, out);
      case AstKind::kAnd:
      case AstKind::kOr: {
        int32_t lhs = -1;
        int32_t rhs = -1;
        const char* name = node.kind == AstKind::kAnd ? "&&" : "||";
        if (!CheckOperandBool(node.kids[0], name, lhs) ||
            !CheckOperandBool(node.kids[1], name, rhs)) {
          return false;
        }
        Node n;
        n.op = node.kind == AstKind::kAnd ? Op::kAnd : Op::kOr;
        n.lhs = lhs;
        n.rhs = rhs;
        out.type = Type::kBool;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kNot: {
        int32_t operand = -1;
        if (!CheckOperandBool(node.kids[0], "!", operand)) return false;
        Node n;
        n.op = Op::kNot;
        n.lhs = operand;
        out.type = Type::kBool;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kNeg: {
        Typed operand;
        if (!Check(node.kids[0], operand)) return false;
        if (operand.type != Type::kNumber) {
          return Fail(node.kids[0], "unary '-' needs a number, found " + Describe(operand));
        }
        Node n;
        n.op = Op::kNeg;
        n.lhs = operand.node;
        out.type = Type::kNumber;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kArith: {
        Typed lhs;
        Typed rhs;
        if (!Check(node.kids[0], lhs) || !Check(node.kids[1], rhs)) return false;
        for (const Typed* side : {&lhs, &rhs}) {
          if (side->type != Type::kNumber) {
            return Fail(side->ast, std::string("'") + node.arith + "' needs numbers, found " +
                                       Describe(*side));
          }
        }
        Node n;
        n.op = node.arith == '+'   ? Op::kAdd
               : node.arith == '-' ? Op::kSub
               : node.arith == '*' ? Op::kMul
                                   : Op::kDiv;
        n.lhs = lhs.node;
        n.rhs = rhs.node;
        out.type = Type::kNumber;
        out.node = Emit(n);
        return true;
      }
      case AstKind::kCmp:
        return CheckCompare(index, out);
      case AstKind::kIn:
        return CheckIn(index, out);
    }
    return Fail(index, "internal: unknown expression node");
  }

  bool CheckOperandBool(int index, const char* op, int32_t& out) {
    Typed typed;
    if (!Check(index, typed)) return false;
    if (typed.type != Type::kBool) {
      return Fail(index, std::string("'") + op + "' needs bool operands, found " + Describe(typed));
    }
    out = typed.node;
    return true;
  }

  bool CheckPath(int index, Typed& out) {
    const AstNode& node = At(index);
    const AttrInfo* info = FindAttribute(node.text);
    if (!info) {
      return Fail(index, "unknown attribute \"" + node.text + "\" (known for " +
                             KindList(env_.kinds) + ": " + KnownAttributes(env_.kinds) + ")");
    }
    if ((info->kinds & env_.kinds) != env_.kinds) {
      return Fail(index, "attribute \"" + node.text + "\" is not available for " +
                             KindList(static_cast<uint8_t>(env_.kinds & ~info->kinds)) +
                             " transactions (the rule's kinds are " + KindList(env_.kinds) + ")");
    }
    program_.attributes_read_ |= uint64_t{1} << static_cast<int>(info->attr);
    out.type = info->type;
    Node n;
    n.attr = info->attr;
    switch (info->type) {
      case Type::kBool:
        n.op = Op::kBoolAttr;
        break;
      case Type::kNumber:
        n.op = Op::kNumAttr;
        break;
      case Type::kString:
        n.op = Op::kStrAttr;
        break;
      case Type::kDate:
        n.op = Op::kDateAttr;
        break;
      case Type::kCountry:
        n.op = Op::kCountryAttr;
        break;
      case Type::kKind:
      case Type::kEndUse:
      case Type::kItemKind:
      case Type::kParty:
        // Enums are only compared (kEnumIn) and parties only passed to
        // functions; the consumer reads the attribute from the Typed.
        out.node = -1;
        return true;
      default:
        return Fail(index, "internal: attribute of unexpected type");
    }
    out.node = Emit(n);
    return true;
  }

  bool CheckCall(int index, Typed& out) {
    const AstNode& node = At(index);
    auto arity = [&](size_t n) {
      if (node.kids.size() == n) return true;
      return Fail(index, node.text + "() takes " + std::to_string(n) + " argument" +
                             (n == 1 ? "" : "s") + ", found " + std::to_string(node.kids.size()));
    };
    if (node.text == "eccn") {
      if (!arity(0)) return false;
      if (!env_.has_eccn) {
        return Fail(index,
                    "eccn() needs classification thresholds: give the pack a [classification] "
                    "table or name a pack that has one with `thresholds = \"<pack id>\"`");
      }
      program_.uses_eccn_ = true;
      Node n;
      n.op = Op::kEccnCall;
      out.type = Type::kEccn;
      out.node = Emit(n);
      return true;
    }
    if (node.text == "group") {
      if (!arity(1)) return false;
      const AstNode& arg = At(node.kids[0]);
      if (arg.kind != AstKind::kString) {
        return Fail(node.kids[0],
                    "group() takes a group id as a string literal, e.g. group(\"D:5\")");
      }
      const std::vector<CountryGroup>* groups = env_.groups;
      if (groups) {
        for (size_t idx = 0; idx < groups->size(); ++idx) {
          if ((*groups)[idx].id() == arg.text) {
            out.type = Type::kCountrySet;
            out.node = -1;
            out.group = static_cast<uint16_t>(idx);
            return true;
          }
        }
      }
      std::string known;
      if (groups) {
        for (const CountryGroup& group : *groups) {
          if (!known.empty()) known += ", ";
          known += "\"" + group.id() + "\"";
        }
      }
      return Fail(node.kids[0], "unknown country group \"" + arg.text + "\" (this pack defines " +
                                    (known.empty() ? std::string("no groups") : known) + ")");
    }
    if (node.text == "listed" || node.text == "affiliate_of_listed") {
      if (!arity(1)) return false;
      Typed arg;
      if (!Check(node.kids[0], arg)) return false;
      if (arg.type != Type::kParty) {
        return Fail(
            node.kids[0],
            node.text + "() takes a party (tenant, consignee or operator), found " + Describe(arg));
      }
      Node n;
      n.op = node.text == "listed" ? Op::kListed : Op::kAffiliate;
      n.attr = FindAttribute(At(node.kids[0]).text)->attr;
      out.type = Type::kBool;
      out.node = Emit(n);
      return true;
    }
    if (node.text == "known") {
      // known(x) is true when the number x is a known fact, so a rule can ask
      // for a declared figure instead of failing closed when it is absent.
      if (!arity(1)) return false;
      Typed arg;
      if (!Check(node.kids[0], arg)) return false;
      if (arg.type != Type::kNumber) {
        return Fail(node.kids[0],
                    "known() takes a number (e.g. known(training_flop)), found " + Describe(arg));
      }
      Node n;
      n.op = Op::kKnown;
      n.lhs = arg.node;
      out.type = Type::kBool;
      out.node = Emit(n);
      return true;
    }
    return Fail(index, "unknown function \"" + node.text +
                           "\" (known: group(\"ID\"), eccn(), listed(party), "
                           "affiliate_of_listed(party), known(number))");
  }

  // An enum attribute's allowed literal values.
  static std::optional<int> EnumValue(Type type, std::string_view text) {
    switch (type) {
      case Type::kKind:
        if (auto kind = ParseKind(text)) return static_cast<int>(*kind);
        return std::nullopt;
      case Type::kEndUse:
        if (auto end_use = ParseEndUse(text)) return static_cast<int>(*end_use);
        return std::nullopt;
      case Type::kItemKind:
        if (text == "integrated_circuit") return 0;
        if (text == "computer") return 1;
        return std::nullopt;
      case Type::kEccn:
        if (auto eccn = catalog::ParseEccn(text)) return static_cast<int>(*eccn);
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }
  static std::string_view EnumAccepted(Type type) {
    switch (type) {
      case Type::kKind:
        return "\"export\", \"remote_access\"";
      case Type::kEndUse:
        return "\"undeclared\", \"training\", \"inference\", \"other\"";
      case Type::kItemKind:
        return "\"integrated_circuit\", \"computer\"";
      case Type::kEccn:
        return "\"3A090.a\", \"3A090.b\", \"4A090.a\", \"4A090.b\", \"not_3A090\"";
      default:
        return "";
    }
  }
  static bool IsEnum(Type type) {
    return type == Type::kKind || type == Type::kEndUse || type == Type::kItemKind ||
           type == Type::kEccn;
  }

  // Turns a string literal into a value of `type` (country, enum, string).
  bool Coerce(const Typed& literal, Type type, Typed& out, int64_t* enum_value) {
    const AstNode& node = At(literal.ast);
    out = Typed();
    out.ast = literal.ast;
    out.type = type;
    if (type == Type::kCountry) {
      Result<Country> country = Country::Parse(node.text);
      if (!country.ok()) {
        return Fail(literal.ast, "\"" + node.text + "\" is not a country code (" +
                                     country.status().message() + ")");
      }
      Node n;
      n.op = Op::kCountryConst;
      n.index = IndexOf(*country);
      out.node = Emit(n);
      return true;
    }
    if (IsEnum(type)) {
      std::optional<int> value = EnumValue(type, node.text);
      if (!value) {
        return Fail(literal.ast, "\"" + node.text + "\" is not a valid " +
                                     std::string(TypeName(type)) +
                                     " (accepted: " + std::string(EnumAccepted(type)) + ")");
      }
      *enum_value = *value;
      return true;
    }
    if (type == Type::kString) {
      Node n;
      n.op = Op::kStrConst;
      n.index = static_cast<uint16_t>(program_.strings_.size());
      program_.strings_.push_back(node.text);
      out.node = Emit(n);
      return true;
    }
    return Fail(literal.ast,
                "a string literal cannot be compared with a " + std::string(TypeName(type)));
  }

  bool CheckCompare(int index, Typed& out) {
    const AstNode& node = At(index);
    Typed lhs;
    Typed rhs;
    if (!Check(node.kids[0], lhs) || !Check(node.kids[1], rhs)) return false;
    const bool equality = node.cmp == Program::Cmp::kEq || node.cmp == Program::Cmp::kNe;
    if (lhs.type == Type::kList || rhs.type == Type::kList) {
      return Fail(lhs.type == Type::kList ? lhs.ast : rhs.ast,
                  "a list can only stand on the right of 'in'");
    }
    if (lhs.type == Type::kCountrySet || rhs.type == Type::kCountrySet) {
      return Fail(
          lhs.type == Type::kCountrySet ? lhs.ast : rhs.ast,
          "a country group can only stand on the right of 'in' (country in group(\"...\"))");
    }
    if (lhs.type == Type::kParty || rhs.type == Type::kParty) {
      return Fail(lhs.type == Type::kParty ? lhs.ast : rhs.ast,
                  "a party cannot be compared; compare its attributes (tenant.hq) or use "
                  "listed(party)");
    }
    // A string literal takes the type of the other side.
    if (lhs.string_literal && !rhs.string_literal) std::swap(lhs, rhs);
    if (rhs.string_literal && !lhs.string_literal && lhs.type != Type::kString) {
      if (!equality) {
        return Fail(index,
                    "'" + CmpName(node.cmp) + "' needs numbers or dates, found " + Describe(lhs));
      }
      int64_t enum_value = 0;
      Typed coerced;
      if (!Coerce(rhs, lhs.type, coerced, &enum_value)) return false;
      if (IsEnum(lhs.type))
        return EmitEnumIn(lhs, int64_t{1} << enum_value, node.cmp == Program::Cmp::kNe, out);
      rhs = coerced;
    } else if (lhs.string_literal && rhs.string_literal) {
      return Fail(index, "comparing two literals is always the same; compare an attribute");
    } else if (rhs.string_literal) {
      int64_t unused = 0;
      Typed coerced;
      if (!Coerce(rhs, Type::kString, coerced, &unused)) return false;
      rhs = coerced;
    }
    if (lhs.type != rhs.type) {
      return Fail(index, "cannot compare " + Describe(lhs) + " with " + Describe(rhs));
    }
    Node n;
    n.cmp = node.cmp;
    n.lhs = lhs.node;
    n.rhs = rhs.node;
    n.negate = node.cmp == Program::Cmp::kNe;
    switch (lhs.type) {
      case Type::kNumber:
        n.op = Op::kNumCmp;
        break;
      case Type::kDate:
        n.op = Op::kDateCmp;
        break;
      case Type::kCountry:
      case Type::kString:
      case Type::kBool:
        if (!equality) {
          return Fail(index,
                      "'" + CmpName(node.cmp) + "' needs numbers or dates, found " + Describe(lhs));
        }
        if (lhs.type == Type::kBool) {
          // a == b on bools: (a && b) || (!a && !b); rare, written out.
          return Fail(index, "compare bools with && / || / ! rather than == or !=");
        }
        n.op = lhs.type == Type::kCountry ? Op::kCountryEq : Op::kStrEq;
        break;
      default:
        if (IsEnum(lhs.type)) {
          return Fail(index, "compare " + std::string(TypeName(lhs.type)) +
                                 " with a string literal, e.g. == \"...\"");
        }
        return Fail(index, "cannot compare values of type " + std::string(TypeName(lhs.type)));
    }
    out.type = Type::kBool;
    out.node = Emit(n);
    return true;
  }

  bool EmitEnumIn(const Typed& lhs, int64_t mask, bool negate, Typed& out) {
    Node n;
    if (lhs.type == Type::kEccn) {
      n.op = Op::kEccnIn;
      n.lhs = lhs.node;
    } else {
      n.op = Op::kEnumIn;
      n.attr = FindAttribute(At(lhs.ast).text)->attr;
      program_.attributes_read_ |= uint64_t{1} << static_cast<int>(n.attr);
    }
    n.integer = mask;
    n.negate = negate;
    out = Typed();
    out.type = Type::kBool;
    out.node = Emit(n);
    return true;
  }

  bool CheckIn(int index, Typed& out) {
    const AstNode& node = At(index);
    Typed lhs;
    Typed rhs;
    if (!Check(node.kids[0], lhs) || !Check(node.kids[1], rhs)) return false;
    if (lhs.string_literal || lhs.type == Type::kList) {
      return Fail(lhs.ast, "the left of 'in' must be an attribute or function value");
    }
    if (rhs.type == Type::kCountrySet) {
      if (lhs.type != Type::kCountry) {
        return Fail(lhs.ast, "only a country can be 'in' a country group, found " + Describe(lhs));
      }
      Node n;
      n.op = Op::kCountryInGroup;
      n.lhs = lhs.node;
      n.index = rhs.group;
      out.type = Type::kBool;
      out.node = Emit(n);
      return true;
    }
    if (rhs.type != Type::kList) {
      return Fail(rhs.ast,
                  "the right of 'in' must be a list [..] or group(\"..\"), found " + Describe(rhs));
    }
    const AstNode& list = At(rhs.ast);
    for (int element : list.kids) {
      if (At(element).kind != AstKind::kString) {
        return Fail(element, "list elements must be string literals");
      }
    }
    if (lhs.type == Type::kCountry) {
      CountrySet set;
      for (int element : list.kids) {
        Result<Country> country = Country::Parse(At(element).text);
        if (!country.ok()) {
          return Fail(element, "\"" + At(element).text + "\" is not a country code (" +
                                   country.status().message() + ")");
        }
        set.Add(IndexOf(*country));
      }
      Node n;
      n.op = Op::kCountryInSet;
      n.lhs = lhs.node;
      n.index = static_cast<uint16_t>(program_.sets_.size());
      program_.sets_.push_back(set);
      out.type = Type::kBool;
      out.node = Emit(n);
      return true;
    }
    if (IsEnum(lhs.type)) {
      int64_t mask = 0;
      for (int element : list.kids) {
        std::optional<int> value = EnumValue(lhs.type, At(element).text);
        if (!value) {
          return Fail(element, "\"" + At(element).text + "\" is not a valid " +
                                   std::string(TypeName(lhs.type)) +
                                   " (accepted: " + std::string(EnumAccepted(lhs.type)) + ")");
        }
        mask |= int64_t{1} << *value;
      }
      return EmitEnumIn(lhs, mask, false, out);
    }
    if (lhs.type == Type::kString) {
      std::vector<std::string> values;
      for (int element : list.kids) values.push_back(At(element).text);
      Node n;
      n.op = Op::kStrIn;
      n.lhs = lhs.node;
      n.index = static_cast<uint16_t>(program_.string_lists_.size());
      program_.string_lists_.push_back(std::move(values));
      out.type = Type::kBool;
      out.node = Emit(n);
      return true;
    }
    return Fail(lhs.ast,
                "'in' needs a country, string, ECCN or enum on its left, found " + Describe(lhs));
  }

  static std::string CmpName(Program::Cmp cmp) {
    switch (cmp) {
      case Program::Cmp::kEq:
        return "==";
      case Program::Cmp::kNe:
        return "!=";
      case Program::Cmp::kLt:
        return "<";
      case Program::Cmp::kLe:
        return "<=";
      case Program::Cmp::kGt:
        return ">";
      case Program::Cmp::kGe:
        return ">=";
    }
    return "?";
  }

  const std::vector<AstNode>& ast_;
  const CompileEnv& env_;
  Program& program_;
  ExprError* error_;
};

}  // namespace

std::string_view Truth3Name(Truth3 truth) {
  switch (truth) {
    case Truth3::kFalse:
      return "false";
    case Truth3::kTrue:
      return "true";
    case Truth3::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Result<Program> Program::Compile(std::string_view text, const CompileEnv& env, ExprError* error) {
  if (text.size() > kMaxExpressionLength) {
    error->offset = 0;
    error->message = "condition longer than 8192 characters";
    return InvalidArgument(error->message);
  }
  std::vector<AstNode> ast;
  int root = -1;
  Parser parser(text, error);
  if (!parser.Parse(ast, root)) return InvalidArgument(error->message);
  Program program;
  Compiler compiler(ast, env, program, error);
  if (!compiler.CompileBool(root, program.root_)) return InvalidArgument(error->message);
  return program;
}

Result<MessageTemplate> MessageTemplate::Compile(std::string_view text, const CompileEnv& env,
                                                 ExprError* error) {
  MessageTemplate tmpl;
  tmpl.text_ = std::string(text);
  size_t pos = 0;
  auto fail = [&](size_t offset, std::string message) -> Result<MessageTemplate> {
    error->offset = offset;
    error->message = std::move(message);
    return InvalidArgument(error->message);
  };
  auto add_literal = [&](std::string_view piece) {
    if (piece.empty()) return;
    if (!tmpl.segments_.empty() && tmpl.segments_.back().is_literal &&
        tmpl.segments_.back().end == tmpl.literal_.size()) {
      tmpl.literal_ += piece;
      tmpl.segments_.back().end = tmpl.literal_.size();
      return;
    }
    Segment segment;
    segment.begin = tmpl.literal_.size();
    tmpl.literal_ += piece;
    segment.end = tmpl.literal_.size();
    tmpl.segments_.push_back(segment);
  };
  while (pos < text.size()) {
    char c = text[pos];
    if (c == '{' && pos + 1 < text.size() && text[pos + 1] == '{') {
      add_literal("{");
      pos += 2;
      continue;
    }
    if (c == '}' && pos + 1 < text.size() && text[pos + 1] == '}') {
      add_literal("}");
      pos += 2;
      continue;
    }
    if (c == '}') return fail(pos, "unbalanced '}' in message (write '}}' for a literal brace)");
    if (c != '{') {
      size_t next = text.find_first_of("{}", pos);
      if (next == std::string_view::npos) next = text.size();
      add_literal(text.substr(pos, next - pos));
      pos = next;
      continue;
    }
    size_t close = text.find('}', pos);
    if (close == std::string_view::npos) {
      return fail(pos, "unterminated placeholder '{' in message (write '{{' for a literal brace)");
    }
    std::string_view name = text.substr(pos + 1, close - pos - 1);
    Segment segment;
    segment.is_literal = false;
    if (name == "eccn()") {
      if (!env.has_eccn) {
        return fail(pos + 1,
                    "{eccn()} needs classification thresholds (a [classification] table "
                    "or `thresholds = \"<pack id>\"`)");
      }
      segment.is_eccn = true;
    } else {
      const AttrInfo* info = FindAttribute(name);
      if (!info || info->type == Type::kParty) {
        return fail(pos + 1,
                    "unknown placeholder {" + std::string(name) +
                        "} (use an attribute such as {item.model} or {eccn()}; known for " +
                        KindList(env.kinds) + ": " + KnownAttributes(env.kinds) + ")");
      }
      if ((info->kinds & env.kinds) != env.kinds) {
        return fail(pos + 1, "placeholder {" + std::string(name) + "} is not available for " +
                                 KindList(static_cast<uint8_t>(env.kinds & ~info->kinds)) +
                                 " transactions");
      }
      segment.attr = info->attr;
    }
    tmpl.segments_.push_back(segment);
    pos = close + 1;
  }
  return tmpl;
}

}  // namespace straits::policy

#include "policy/types.h"

namespace straits::policy {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllowed:
      return "allowed";
    case Verdict::kConditions:
      return "conditions";
    case Verdict::kLicenseRequired:
      return "license_required";
    case Verdict::kProhibited:
      return "prohibited";
  }
  return "prohibited";
}

std::optional<Verdict> ParseVerdict(std::string_view text) {
  for (Verdict v :
       {Verdict::kAllowed, Verdict::kConditions, Verdict::kLicenseRequired, Verdict::kProhibited}) {
    if (VerdictName(v) == text) return v;
  }
  return std::nullopt;
}

std::string_view KindName(Kind kind) { return kind == Kind::kExport ? "export" : "remote_access"; }

std::optional<Kind> ParseKind(std::string_view text) {
  if (text == "export") return Kind::kExport;
  if (text == "remote_access") return Kind::kRemoteAccess;
  return std::nullopt;
}

std::string_view EndUseName(EndUse end_use) {
  switch (end_use) {
    case EndUse::kUndeclared:
      return "undeclared";
    case EndUse::kTraining:
      return "training";
    case EndUse::kInference:
      return "inference";
    case EndUse::kOther:
      return "other";
  }
  return "undeclared";
}

std::optional<EndUse> ParseEndUse(std::string_view text) {
  for (EndUse e : {EndUse::kUndeclared, EndUse::kTraining, EndUse::kInference, EndUse::kOther}) {
    if (EndUseName(e) == text) return e;
  }
  return std::nullopt;
}

std::array<char, 2> CodeOf(CountryIndex index) {
  return {static_cast<char>('A' + index / 26), static_cast<char>('A' + index % 26)};
}

}  // namespace straits::policy

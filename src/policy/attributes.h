// The attributes rule conditions and message templates may name, with their
// types and the transaction kinds that provide them. An attribute outside this
// table, or not provided by every kind a rule applies to, is a load error.
//
// Thread-safety: constant data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "policy/types.h"

namespace straits::policy {

// Static types of the expression language.
enum class Type : uint8_t {
  kBool,
  kNumber,
  kString,
  kDate,
  kCountry,
  kCountrySet,  // group("D:5") or a list of country codes
  kEccn,        // eccn(): "3A090.a", "3A090.b", "4A090.a", "4A090.b", "not_3A090"
  kKind,        // "export" | "remote_access"
  kEndUse,      // "undeclared" | "training" | "inference" | "other"
  kItemKind,    // "integrated_circuit" | "computer"
  kParty,       // tenant, consignee, operator: only as an argument of listed()
  kList,        // a literal list before it is resolved against its left operand
};

// "bool", "number", "string", ...
std::string_view TypeName(Type type);

enum class Attr : uint8_t {
  kKind,
  kDate,
  kCount,
  kItemModel,
  kItemVendor,
  kItemOrigin,
  kItemTpp,
  kItemPd,
  kItemMemoryBandwidth,
  kItemInterconnect,
  kItemDatacenter,
  kItemKind,
  kShipmentTpp,  // item.tpp x count
  kFrom,
  kTo,
  kConsigneeName,
  kConsigneeHq,
  kConsigneeParentHq,
  kConsigneeListedEntry,
  kSiteCountry,
  kOperatorName,
  kOperatorHq,
  kTenantName,
  kTenantHq,
  kTenantParentHq,
  kTenantListedEntry,
  kEndUse,
  kTrainingFlop,
  kTotalsCountryTpp,
  kTotalsConsigneeYearTpp,
  kConsignee,  // party values
  kTenant,
  kOperator,
};

struct AttrInfo {
  Attr attr;
  std::string_view path;  // "item.tpp"
  Type type;
  uint8_t kinds;  // bit (1 << Kind) for each kind that provides it
};

inline constexpr uint8_t KindBit(Kind kind) { return uint8_t(1u << static_cast<int>(kind)); }
inline constexpr uint8_t kAllKinds = 0b11;

std::span<const AttrInfo> AllAttributes();
// nullptr when `path` names no attribute.
const AttrInfo* FindAttribute(std::string_view path);
const AttrInfo& InfoOf(Attr attr);

}  // namespace straits::policy

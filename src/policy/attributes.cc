#include "policy/attributes.h"

namespace straits::policy {
namespace {

constexpr uint8_t kExp = KindBit(Kind::kExport);
constexpr uint8_t kRem = KindBit(Kind::kRemoteAccess);

// Indexed by Attr: InfoOf relies on the order.
constexpr AttrInfo kAttributes[] = {
    {Attr::kKind, "kind", Type::kKind, kAllKinds},
    {Attr::kDate, "date", Type::kDate, kAllKinds},
    {Attr::kCount, "count", Type::kNumber, kAllKinds},
    {Attr::kItemModel, "item.model", Type::kString, kAllKinds},
    {Attr::kItemVendor, "item.vendor", Type::kString, kAllKinds},
    {Attr::kItemOrigin, "item.origin", Type::kCountry, kAllKinds},
    {Attr::kItemTpp, "item.tpp", Type::kNumber, kAllKinds},
    {Attr::kItemPd, "item.pd", Type::kNumber, kAllKinds},
    {Attr::kItemMemoryBandwidth, "item.memory_bandwidth_gbps", Type::kNumber, kAllKinds},
    {Attr::kItemInterconnect, "item.interconnect_gbps", Type::kNumber, kAllKinds},
    {Attr::kItemDatacenter, "item.datacenter", Type::kBool, kAllKinds},
    {Attr::kItemKind, "item.kind", Type::kItemKind, kAllKinds},
    {Attr::kShipmentTpp, "shipment.tpp", Type::kNumber, kAllKinds},
    {Attr::kFrom, "from", Type::kCountry, kExp},
    {Attr::kTo, "to", Type::kCountry, kExp},
    {Attr::kConsigneeName, "consignee.name", Type::kString, kExp},
    {Attr::kConsigneeHq, "consignee.hq", Type::kCountry, kExp},
    {Attr::kConsigneeParentHq, "consignee.parent_hq", Type::kCountry, kExp},
    {Attr::kConsigneeListedEntry, "consignee.listed_entry", Type::kString, kExp},
    {Attr::kSiteCountry, "site.country", Type::kCountry, kRem},
    {Attr::kOperatorName, "operator.name", Type::kString, kRem},
    {Attr::kOperatorHq, "operator.hq", Type::kCountry, kRem},
    {Attr::kTenantName, "tenant.name", Type::kString, kRem},
    {Attr::kTenantHq, "tenant.hq", Type::kCountry, kRem},
    {Attr::kTenantParentHq, "tenant.parent_hq", Type::kCountry, kRem},
    {Attr::kTenantListedEntry, "tenant.listed_entry", Type::kString, kRem},
    {Attr::kEndUse, "end_use", Type::kEndUse, kRem},
    {Attr::kTrainingFlop, "training_flop", Type::kNumber, kRem},
    {Attr::kTotalsCountryTpp, "totals.country_tpp", Type::kNumber, kExp},
    {Attr::kTotalsConsigneeYearTpp, "totals.consignee_year_tpp", Type::kNumber, kExp},
    {Attr::kConsignee, "consignee", Type::kParty, kExp},
    {Attr::kTenant, "tenant", Type::kParty, kRem},
    {Attr::kOperator, "operator", Type::kParty, kRem},
};

}  // namespace

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kBool:
      return "bool";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kDate:
      return "date";
    case Type::kCountry:
      return "country";
    case Type::kCountrySet:
      return "country set";
    case Type::kEccn:
      return "eccn";
    case Type::kKind:
      return "kind";
    case Type::kEndUse:
      return "end use";
    case Type::kItemKind:
      return "item kind";
    case Type::kParty:
      return "party";
    case Type::kList:
      return "list";
  }
  return "?";
}

std::span<const AttrInfo> AllAttributes() { return kAttributes; }

const AttrInfo* FindAttribute(std::string_view path) {
  for (const AttrInfo& info : kAttributes) {
    if (info.path == path) return &info;
  }
  return nullptr;
}

const AttrInfo& InfoOf(Attr attr) { return kAttributes[static_cast<size_t>(attr)]; }

}  // namespace straits::policy

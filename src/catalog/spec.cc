#include "catalog/spec.h"

#include <cmath>
#include <string>

namespace straits::catalog {
namespace {

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "infinity" : "-infinity";
  std::string text = std::to_string(value);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

// A measured quantity: finite and > 0, or >= 0 when `zero_ok`.
Status CheckQuantity(double value, std::string_view field, bool zero_ok) {
  if (!std::isfinite(value) || value < 0 || (!zero_ok && value == 0)) {
    return InvalidArgument(std::string(field) + " must be a finite number " +
                               (zero_ok ? "of 0 or more" : "greater than 0") + ", got " +
                               Number(value),
                           std::string(field));
  }
  return Status::Ok();
}

Status CheckOptional(const std::optional<double>& value, std::string_view field, bool zero_ok) {
  return value ? CheckQuantity(*value, field, zero_ok) : Status::Ok();
}

}  // namespace

std::string_view ItemKindName(ItemKind kind) {
  switch (kind) {
    case ItemKind::kIntegratedCircuit:
      return "integrated_circuit";
    case ItemKind::kComputer:
      return "computer";
  }
  return "integrated_circuit";
}

Status ValidateSpec(const AcceleratorSpec& spec, bool require_throughput) {
  if (spec.name.empty()) return InvalidArgument("name must not be empty", "name");
  if (require_throughput && spec.throughputs.empty()) {
    return InvalidArgument(
        "throughput must list at least one dense rate (format, bits, tops); TPP cannot be "
        "computed without it",
        "throughput");
  }
  std::map<std::string_view, int> unit_counts;
  for (size_t idx = 0; idx < spec.throughputs.size(); ++idx) {
    const Throughput& t = spec.throughputs[idx];
    const std::string path = "throughput[" + std::to_string(idx) + "]";
    if (t.bits < 1 || t.bits > 256) {
      return InvalidArgument(
          path + ".bits must be an integer from 1 to 256, got " + std::to_string(t.bits),
          path + ".bits");
    }
    STRAITS_RETURN_IF_ERROR(CheckQuantity(t.tops, path + ".tops", /*zero_ok=*/false));
    if (t.unit_count < 1) {
      return InvalidArgument(path + ".units must be 1 or more, got " + std::to_string(t.unit_count),
                             path + ".units");
    }
    auto [it, inserted] = unit_counts.emplace(t.unit, t.unit_count);
    if (!inserted && it->second != t.unit_count) {
      return InvalidArgument(path + ".units is " + std::to_string(t.unit_count) +
                                 " but an earlier entry of unit \"" + t.unit + "\" says " +
                                 std::to_string(it->second) +
                                 "; all entries of one unit must give the same count",
                             path + ".units");
    }
  }
  STRAITS_RETURN_IF_ERROR(CheckOptional(spec.die_area_mm2, "die_area_mm2", false));
  if (spec.die_area_mm2 && !spec.dies.empty()) {
    return InvalidArgument("give either die_area_mm2 (the total) or die entries, not both", "die");
  }
  for (size_t idx = 0; idx < spec.dies.size(); ++idx) {
    const std::string path = "die[" + std::to_string(idx) + "]";
    STRAITS_RETURN_IF_ERROR(CheckQuantity(spec.dies[idx].area_mm2, path + ".area_mm2", false));
    if (spec.dies[idx].count < 1) {
      return InvalidArgument(
          path + ".count must be 1 or more, got " + std::to_string(spec.dies[idx].count),
          path + ".count");
    }
  }
  STRAITS_RETURN_IF_ERROR(CheckOptional(spec.memory_gb, "memory_gb", false));
  STRAITS_RETURN_IF_ERROR(
      CheckOptional(spec.memory_bandwidth_gbps, "memory_bandwidth_gbps", false));
  STRAITS_RETURN_IF_ERROR(
      CheckOptional(spec.interconnect_bidir_gbps, "interconnect_bidir_gbps", true));
  STRAITS_RETURN_IF_ERROR(CheckOptional(spec.host_link_bidir_gbps, "host_link_bidir_gbps", true));
  STRAITS_RETURN_IF_ERROR(CheckOptional(spec.published_tpp, "published_tpp", false));
  STRAITS_RETURN_IF_ERROR(CheckOptional(spec.published_pd, "published_pd", false));
  if (spec.year && (*spec.year < 1970 || *spec.year > 2100)) {
    return InvalidArgument("year must be from 1970 to 2100, got " + std::to_string(*spec.year),
                           "year");
  }
  return Status::Ok();
}

}  // namespace straits::catalog

// Country groups of a rule pack, with the dates their membership changes.
//
// A group ("D:5", "A:6", "AID:T1") is a set of countries that depends on the
// date: Nicaragua joined D:5 on 2024-03-15, Cyprus left it on 2024-05-30. The
// loader turns the pack's members and dated changes into a timeline of epochs
// (a start date and the full set from then on), so that a membership test is a
// short binary search plus a bit test, with no allocation.
//
// Thread-safety: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "policy/types.h"

namespace straits::policy {

// One dated membership: `country` belongs to the group from `from` (inclusive;
// nullopt: always) until `until` (exclusive; nullopt: still a member).
struct GroupMembership {
  CountryIndex country = kNoCountry;
  std::optional<Instant> from;
  std::optional<Instant> until;
  std::string source;  // citation of this membership (may be the group's)
};

class CountryGroup {
 public:
  CountryGroup() = default;
  CountryGroup(std::string id, std::string source, std::vector<GroupMembership> members);

  const std::string& id() const { return id_; }
  const std::string& source() const { return source_; }
  const std::vector<GroupMembership>& members() const { return members_; }

  // Whether `country` is a member on `date`.
  bool Contains(CountryIndex country, Instant date) const { return SetOn(date).Contains(country); }
  // The full membership on `date`.
  const CountrySet& SetOn(Instant date) const;
  // Sorted codes of the members on `date` ("CN", "RU", ...).
  std::vector<std::string> MembersOn(Instant date) const;

 private:
  std::string id_;
  std::string source_;
  std::vector<GroupMembership> members_;
  std::vector<Instant> epoch_starts_;   // ascending; epoch 0 starts at the beginning of time
  std::vector<CountrySet> epoch_sets_;  // one more than epoch_starts_
};

}  // namespace straits::policy

#include "policy/groups.h"

#include <algorithm>

namespace straits::policy {

CountryGroup::CountryGroup(std::string id, std::string source, std::vector<GroupMembership> members)
    : id_(std::move(id)), source_(std::move(source)), members_(std::move(members)) {
  for (const GroupMembership& m : members_) {
    if (m.from) epoch_starts_.push_back(*m.from);
    if (m.until) epoch_starts_.push_back(*m.until);
  }
  std::sort(epoch_starts_.begin(), epoch_starts_.end());
  epoch_starts_.erase(std::unique(epoch_starts_.begin(), epoch_starts_.end()), epoch_starts_.end());
  // Epoch k covers [epoch_starts_[k-1], epoch_starts_[k]); epoch 0 everything before.
  epoch_sets_.resize(epoch_starts_.size() + 1);
  for (size_t epoch = 0; epoch < epoch_sets_.size(); ++epoch) {
    for (const GroupMembership& m : members_) {
      // A membership is in an epoch when it covers the epoch's first instant
      // (or, for epoch 0, when it has no start).
      bool starts_ok = !m.from || (epoch > 0 && *m.from <= epoch_starts_[epoch - 1]);
      // `until` is itself an epoch start, so epoch 0 always ends before it.
      bool ends_ok = !m.until || epoch == 0 || epoch_starts_[epoch - 1] < *m.until;
      if (starts_ok && ends_ok) epoch_sets_[epoch].Add(m.country);
    }
  }
}

const CountrySet& CountryGroup::SetOn(Instant date) const {
  auto it = std::upper_bound(epoch_starts_.begin(), epoch_starts_.end(), date);
  return epoch_sets_[static_cast<size_t>(it - epoch_starts_.begin())];
}

std::vector<std::string> CountryGroup::MembersOn(Instant date) const {
  std::vector<std::string> out;
  const CountrySet& set = SetOn(date);
  for (CountryIndex idx = 0; idx < kCountryIndexCount; ++idx) {
    if (set.Contains(idx)) {
      std::array<char, 2> code = CodeOf(idx);
      out.emplace_back(code.data(), 2);
    }
  }
  return out;
}

}  // namespace straits::policy

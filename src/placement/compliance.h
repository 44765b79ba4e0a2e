// SiteComplianceOracle: the narrow question placement asks the policy engine,
// "may this request run at this site (with this model)?". The real answer comes
// from policy/ (regimes, screening); tests and the simulator use simple ones.
//
// Thread-safety: implementations must allow concurrent const calls.
#pragma once

#include <string>

#include "placement/request.h"
#include "placement/topology.h"

namespace straits::placement {

struct SiteVerdict {
  bool allowed = true;
  std::string reason;  // why not (or conditions), cited by the caller's rules

  static SiteVerdict Allow() { return SiteVerdict{}; }
  static SiteVerdict Deny(std::string why) { return SiteVerdict{false, std::move(why)}; }
};

class SiteComplianceOracle {
 public:
  virtual ~SiteComplianceOracle() = default;
  // Whether `request` may be placed at `site` at all.
  virtual SiteVerdict Check(const Request& request, const Topology& topology,
                            SiteIndex site) const = 0;
  // Whether it may use `model` there (export rules name specific items). Called
  // only for sites that Check allowed.
  virtual SiteVerdict CheckModel(const Request& request, const Topology& topology, SiteIndex site,
                                 ModelIndex model) const {
    (void)request, (void)topology, (void)site, (void)model;
    return SiteVerdict::Allow();
  }
};

// Allows everything; the default when no oracle is given.
class AllowAllOracle final : public SiteComplianceOracle {
 public:
  SiteVerdict Check(const Request&, const Topology&, SiteIndex) const override {
    return SiteVerdict::Allow();
  }
};

}  // namespace straits::placement

#include "backend/site_config.h"

#include <set>

namespace straits::backend {

Result<std::vector<slurm::SlurmSiteConfig>> SlurmSitesOf(const fleet::Fleet& fleet,
                                                         std::string_view source) {
  std::set<std::string> sites;
  for (const fleet::Site& site : fleet.sites) sites.insert(site.id.str());
  std::set<std::string> seen;
  std::vector<slurm::SlurmSiteConfig> out;
  for (size_t idx = 0; idx < fleet.site_backends.size(); ++idx) {
    const fleet::SiteBackend& b = fleet.site_backends[idx];
    int line = idx < fleet.site_backend_lines.size() ? fleet.site_backend_lines[idx] : 0;
    std::string where = std::string(source) + ":" + std::to_string(line);
    if (!seen.insert(b.site.str()).second) {
      return InvalidArgument("site_backend: site \"" + b.site.str() + "\" is configured twice",
                             where);
    }
    if (!sites.empty() && sites.count(b.site.str()) == 0) {
      return InvalidArgument("site_backend: unknown site \"" + b.site.str() + "\"", where);
    }
    if (b.backend != "slurm") continue;
    slurm::SlurmSiteConfig config;
    config.site = b.site;
    config.cluster = b.cluster;
    config.slurm_conf = b.slurm_conf;
    config.env = b.env;
    config.nodes = b.nodes;
    config.name_prefix = b.name_prefix;
    if (!b.user.empty()) config.user = b.user;
    if (!b.work_dir.empty()) config.work_dir = b.work_dir;
    out.push_back(std::move(config));
  }
  return out;
}

}  // namespace straits::backend

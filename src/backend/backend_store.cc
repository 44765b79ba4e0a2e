#include "backend/backend_store.h"

#include <boost/json.hpp>

#include "store/sqlite/family.h"

namespace straits::backend {
namespace {

namespace json = boost::json;

constexpr std::string_view kBackendMigrations[] = {R"sql(
CREATE TABLE backend_sites (
  site TEXT PRIMARY KEY,
  config TEXT NOT NULL
);
CREATE TABLE backend_leases (
  lease TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  applied_version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE backend_usage (
  key TEXT PRIMARY KEY,
  lease TEXT NOT NULL,
  node TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  gpu_seconds INTEGER NOT NULL
);
)sql",
                                                   // Reserved time billed per lease and node.
                                                   R"sql(
CREATE TABLE backend_reserved (
  lease TEXT NOT NULL,
  node TEXT NOT NULL,
  closed_until INTEGER NOT NULL,
  PRIMARY KEY (lease, node)
);
)sql"};

json::object ToJson(const slurm::SlurmSiteConfig& c) {
  json::object env;
  for (const auto& [k, v] : c.env) env[k] = v;
  json::object nodes;
  for (const auto& [k, v] : c.nodes) nodes[k] = v;
  return {{"site", c.site.str()}, {"cluster", c.cluster},  {"slurm_conf", c.slurm_conf},
          {"env", env},           {"nodes", nodes},        {"name_prefix", c.name_prefix},
          {"user", c.user},       {"work_dir", c.work_dir}};
}

Result<slurm::SlurmSiteConfig> FromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Internal("corrupt backend_sites row");
  const json::object& o = v.as_object();
  auto str = [&o](const char* key) {
    const json::value* x = o.if_contains(key);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  slurm::SlurmSiteConfig c;
  Result<SiteId> site = SiteId::Parse(str("site"));
  if (!site.ok()) return Internal("corrupt backend_sites row: site");
  c.site = *site;
  c.cluster = str("cluster");
  c.slurm_conf = str("slurm_conf");
  c.name_prefix = str("name_prefix");
  c.user = str("user");
  c.work_dir = str("work_dir");
  for (const char* key : {"env", "nodes"}) {
    const json::value* m = o.if_contains(key);
    if (!m || !m->is_object()) continue;
    for (const auto& [k, x] : m->as_object()) {
      if (!x.is_string()) continue;
      (std::string_view(key) == "env" ? c.env : c.nodes)[std::string(k)] =
          std::string(x.as_string());
    }
  }
  return c;
}

LeaseBackendState ReadState(store::sqlite::Statement& s) {
  LeaseBackendState st;
  st.lease = *LeaseId::Parse(s.Text(0));
  st.site = *SiteId::Parse(s.Text(1));
  st.status = s.Text(2);
  st.attempts = static_cast<int>(s.Int(3));
  st.next_attempt = Instant::FromUnixSeconds(s.Int(4));
  st.last_error = s.Text(5);
  st.applied_version = s.Int(6);
  st.updated_at = Instant::FromUnixSeconds(s.Int(7));
  return st;
}

constexpr std::string_view kStateColumns =
    "lease, site, status, attempts, next_attempt, last_error, applied_version, updated_at";

}  // namespace

Result<std::unique_ptr<BackendStore>> BackendStore::Open(const std::string& db_path) {
  STRAITS_ASSIGN_OR_RETURN(
      auto pool, store::sqlite::OpenFamilyPool(db_path, "backend", kBackendMigrations, 2));
  return std::unique_ptr<BackendStore>(new BackendStore(std::move(pool)));
}

Status BackendStore::SaveSites(const std::vector<slurm::SlurmSiteConfig>& sites) {
  auto conn = pool_->Acquire();
  STRAITS_RETURN_IF_ERROR(conn->Exec("BEGIN IMMEDIATE"));
  Status status = conn->Exec("DELETE FROM backend_sites");
  for (const slurm::SlurmSiteConfig& c : sites) {
    if (!status.ok()) break;
    Result<store::sqlite::Statement> s =
        conn->Prepare("INSERT INTO backend_sites (site, config) VALUES (?, ?)");
    if (!s.ok()) {
      status = s.status();
      break;
    }
    status = s->Bind(1, c.site.str()).Bind(2, json::serialize(ToJson(c))).Run();
  }
  if (!status.ok()) {
    (void)conn->Exec("ROLLBACK");
    return status;
  }
  return conn->Exec("COMMIT");
}

Result<std::vector<slurm::SlurmSiteConfig>> BackendStore::Sites() {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(auto s, conn->Prepare("SELECT config FROM backend_sites ORDER BY site"));
  std::vector<slurm::SlurmSiteConfig> out;
  while (true) {
    STRAITS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    STRAITS_ASSIGN_OR_RETURN(slurm::SlurmSiteConfig c, FromJson(s.Text(0)));
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::optional<LeaseBackendState>> BackendStore::Get(const LeaseId& lease) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(auto s, conn->Prepare("SELECT " + std::string(kStateColumns) +
                                                 " FROM backend_leases WHERE lease = ?"));
  s.Bind(1, lease.str());
  STRAITS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<LeaseBackendState>();
  return std::optional<LeaseBackendState>(ReadState(s));
}

Result<std::vector<LeaseBackendState>> BackendStore::List() {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(auto s, conn->Prepare("SELECT " + std::string(kStateColumns) +
                                                 " FROM backend_leases ORDER BY lease"));
  std::vector<LeaseBackendState> out;
  while (true) {
    STRAITS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadState(s));
  }
  return out;
}

Status BackendStore::Put(const LeaseBackendState& st) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(
      auto s, conn->Prepare("INSERT OR REPLACE INTO backend_leases (" + std::string(kStateColumns) +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  return s.Bind(1, st.lease.str())
      .Bind(2, st.site.str())
      .Bind(3, st.status)
      .Bind(4, static_cast<int64_t>(st.attempts))
      .Bind(5, st.next_attempt.unix_seconds())
      .Bind(6, st.last_error)
      .Bind(7, st.applied_version)
      .Bind(8, st.updated_at.unix_seconds())
      .Run();
}

Result<bool> BackendStore::HasUsage(const std::string& key) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(auto s, conn->Prepare("SELECT 1 FROM backend_usage WHERE key = ?"));
  s.Bind(1, key);
  return s.Step();
}

Result<bool> BackendStore::RecordUsage(const UsageSample& u) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(
      auto s, conn->Prepare("INSERT OR IGNORE INTO backend_usage (key, lease, node, start, end, "
                            "gpu_seconds) VALUES (?, ?, ?, ?, ?, ?)"));
  STRAITS_RETURN_IF_ERROR(s.Bind(1, u.key)
                              .Bind(2, u.lease.str())
                              .Bind(3, u.node.str())
                              .Bind(4, u.start.unix_seconds())
                              .Bind(5, u.end.unix_seconds())
                              .Bind(6, u.gpu_seconds)
                              .Run());
  return sqlite3_changes(conn->handle()) > 0;
}

Result<std::vector<UsageSample>> BackendStore::UsageOf(const LeaseId& lease) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(auto s, conn->Prepare("SELECT key, node, start, end, gpu_seconds FROM "
                                                 "backend_usage WHERE lease = ? ORDER BY key"));
  s.Bind(1, lease.str());
  std::vector<UsageSample> out;
  while (true) {
    STRAITS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Result<NodeId> node = NodeId::Parse(s.Text(1));
    if (!node.ok()) return Internal("corrupt backend_usage row: node " + s.Text(1));
    UsageSample u;
    u.key = s.Text(0);
    u.lease = lease;
    u.node = *node;
    u.start = Instant::FromUnixSeconds(s.Int(2));
    u.end = Instant::FromUnixSeconds(s.Int(3));
    u.gpu_seconds = s.Int(4);
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::optional<Instant>> BackendStore::ReservedClosedUntil(const LeaseId& lease,
                                                                 const NodeId& node) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(
      auto s,
      conn->Prepare("SELECT closed_until FROM backend_reserved WHERE lease = ? AND node = ?"));
  s.Bind(1, lease.str()).Bind(2, node.str());
  STRAITS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Instant>();
  return std::optional<Instant>(Instant::FromUnixSeconds(s.Int(0)));
}

Status BackendStore::CloseReserved(const LeaseId& lease, const NodeId& node, Instant until) {
  auto conn = pool_->Acquire();
  STRAITS_ASSIGN_OR_RETURN(
      auto s, conn->Prepare("INSERT INTO backend_reserved (lease, node, closed_until) VALUES (?, "
                            "?, ?) ON CONFLICT (lease, node) DO UPDATE SET closed_until = "
                            "max(closed_until, excluded.closed_until)"));
  return s.Bind(1, lease.str()).Bind(2, node.str()).Bind(3, until.unix_seconds()).Run();
}

}  // namespace straits::backend

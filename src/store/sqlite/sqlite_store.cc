#include "store/sqlite/sqlite_store.h"

#include "store/sqlite/db.h"
#include "store/sqlite/migrations.h"

namespace straits::store {
namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::Statement;
using sqlite::Transaction;

constexpr int kMaxPageSize = 1000;

int ClampLimit(int limit) { return limit < 1 ? 1 : (limit > kMaxPageSize ? kMaxPageSize : limit); }

// Values in the database were validated on the way in; a row that no longer
// parses means the file was edited behind our back.
template <typename T>
Result<T> Reparse(Result<T> value, std::string_view what) {
  if (!value.ok())
    return Internal("corrupt " + std::string(what) + ": " + value.status().message());
  return value;
}

std::optional<std::string> OptionalId(const auto& id) {
  if (!id) return std::nullopt;
  return id->str();
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::vector<std::unique_ptr<Connection>> connections)
      : pool_(std::move(connections)) {}

  int SchemaVersion() override {
    auto conn = pool_.Acquire();
    Result<int> v = sqlite::ReadSchemaVersion(*conn);
    return v.ok() ? *v : -1;
  }

  Status ImportFleet(const fleet::Fleet& fleet) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(
        Statement org,
        conn->Prepare("INSERT INTO organizations(id, name, hq, billing_country, parent_id, "
                      "is_operator, is_tenant) VALUES(?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE "
                      "SET name=excluded.name, hq=excluded.hq, "
                      "billing_country=excluded.billing_country, parent_id=excluded.parent_id, "
                      "is_operator=excluded.is_operator, is_tenant=excluded.is_tenant"));
    STRAITS_ASSIGN_OR_RETURN(Statement clear_aliases,
                             conn->Prepare("DELETE FROM org_aliases WHERE org_id = ?"));
    STRAITS_ASSIGN_OR_RETURN(
        Statement alias,
        conn->Prepare("INSERT INTO org_aliases(org_id, position, alias) VALUES(?,?,?)"));
    for (const fleet::Organization& o : fleet.organizations) {
      std::optional<std::string> billing;
      if (o.billing_country) billing = std::string(o.billing_country->code());
      org.Bind(1, o.id.str()).Bind(2, o.name).Bind(3, o.hq.code()).BindOptional(4, billing);
      org.BindOptional(5, OptionalId(o.parent))
          .Bind(6, int64_t{o.is_operator})
          .Bind(7, int64_t{o.is_tenant});
      STRAITS_RETURN_IF_ERROR(org.Run());
      STRAITS_RETURN_IF_ERROR(org.Reset());
      clear_aliases.Bind(1, o.id.str());
      STRAITS_RETURN_IF_ERROR(clear_aliases.Run());
      STRAITS_RETURN_IF_ERROR(clear_aliases.Reset());
      for (size_t i = 0; i < o.aliases.size(); ++i) {
        alias.Bind(1, o.id.str()).Bind(2, static_cast<int64_t>(i)).Bind(3, o.aliases[i]);
        STRAITS_RETURN_IF_ERROR(alias.Run());
        STRAITS_RETURN_IF_ERROR(alias.Reset());
      }
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement site,
        conn->Prepare("INSERT INTO sites(id, name, country, city, operator_id) VALUES(?,?,?,?,?) "
                      "ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
                      "country=excluded.country, city=excluded.city, "
                      "operator_id=excluded.operator_id"));
    for (const fleet::Site& s : fleet.sites) {
      site.Bind(1, s.id.str()).Bind(2, s.name).Bind(3, s.country.code()).Bind(4, s.city);
      site.Bind(5, s.operator_id.str());
      STRAITS_RETURN_IF_ERROR(site.Run());
      STRAITS_RETURN_IF_ERROR(site.Reset());
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement pod, conn->Prepare("INSERT INTO pods(id, site_id) VALUES(?,?) ON CONFLICT(id) "
                                     "DO UPDATE SET site_id=excluded.site_id"));
    for (const fleet::Pod& p : fleet.pods) {
      pod.Bind(1, p.id.str()).Bind(2, p.site.str());
      STRAITS_RETURN_IF_ERROR(pod.Run());
      STRAITS_RETURN_IF_ERROR(pod.Reset());
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement node,
        conn->Prepare("INSERT INTO nodes(hostname, pod_id, model_id, gpus) VALUES(?,?,?,?) "
                      "ON CONFLICT(hostname) DO UPDATE SET pod_id=excluded.pod_id, "
                      "model_id=excluded.model_id, gpus=excluded.gpus"));
    for (const fleet::Node& n : fleet.nodes) {
      node.Bind(1, n.hostname.str()).Bind(2, n.pod.str()).Bind(3, n.model.str());
      node.Bind(4, int64_t{n.gpus});
      STRAITS_RETURN_IF_ERROR(node.Run());
      STRAITS_RETURN_IF_ERROR(node.Reset());
    }
    return tx->Commit();
  }

  Result<fleet::ExistingFleet> LoadExistingFleet() override {
    auto conn = pool_.Acquire();
    fleet::ExistingFleet existing;
    STRAITS_ASSIGN_OR_RETURN(Statement orgs,
                             conn->Prepare("SELECT id, parent_id, is_operator FROM organizations"));
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, orgs.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(OrgId id, Reparse(OrgId::Parse(orgs.Text(0)), "organization id"));
      std::optional<OrgId> parent;
      if (auto p = orgs.OptionalText(1)) {
        STRAITS_ASSIGN_OR_RETURN(OrgId pid, Reparse(OrgId::Parse(*p), "parent id"));
        parent = pid;
      }
      existing.org_parents[id] = parent;
      existing.org_is_operator[id] = orgs.Int(2) != 0;
    }
    STRAITS_ASSIGN_OR_RETURN(Statement sites, conn->Prepare("SELECT id FROM sites"));
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, sites.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(SiteId id, Reparse(SiteId::Parse(sites.Text(0)), "site id"));
      existing.sites[id] = true;
    }
    STRAITS_ASSIGN_OR_RETURN(Statement pods, conn->Prepare("SELECT id, site_id FROM pods"));
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, pods.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(PodId id, Reparse(PodId::Parse(pods.Text(0)), "pod id"));
      STRAITS_ASSIGN_OR_RETURN(SiteId site, Reparse(SiteId::Parse(pods.Text(1)), "site id"));
      existing.pods[id] = site;
    }
    return existing;
  }

  Result<Page<fleet::Organization>> ListOrgs(const PageRequest& page) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(std::string(kOrgColumns) +
                                                           " WHERE id > ? ORDER BY id LIMIT ?"));
    stmt.Bind(1, page.cursor).Bind(2, int64_t{ClampLimit(page.limit) + 1});
    Page<fleet::Organization> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(fleet::Organization org, ReadOrg(*conn, stmt));
      out.items.push_back(std::move(org));
    }
    Paginate(out, page, [](const fleet::Organization& o) { return o.id.str(); });
    return out;
  }

  Result<fleet::Organization> GetOrg(const OrgId& id) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare(std::string(kOrgColumns) + " WHERE id = ?"));
    stmt.Bind(1, id.str());
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no organization \"" + id.str() + "\"", "id");
    return ReadOrg(*conn, stmt);
  }

  Result<Page<fleet::Site>> ListSites(const PageRequest& page) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(std::string(kSiteColumns) +
                                                           " WHERE id > ? ORDER BY id LIMIT ?"));
    stmt.Bind(1, page.cursor).Bind(2, int64_t{ClampLimit(page.limit) + 1});
    Page<fleet::Site> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      STRAITS_ASSIGN_OR_RETURN(fleet::Site site, ReadSite(stmt));
      out.items.push_back(std::move(site));
    }
    Paginate(out, page, [](const fleet::Site& s) { return s.id.str(); });
    return out;
  }

  Result<SiteDetail> GetSite(const SiteId& id) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare(std::string(kSiteColumns) + " WHERE id = ?"));
    stmt.Bind(1, id.str());
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no site \"" + id.str() + "\"", "id");
    STRAITS_ASSIGN_OR_RETURN(fleet::Site site, ReadSite(stmt));
    SiteDetail detail{std::move(site), 0, 0, {}};
    STRAITS_ASSIGN_OR_RETURN(Statement pods,
                             conn->Prepare("SELECT count(*) FROM pods WHERE site_id = ?"));
    pods.Bind(1, id.str());
    STRAITS_ASSIGN_OR_RETURN(bool pod_row, pods.Step());
    if (pod_row) detail.pods = static_cast<int>(pods.Int(0));
    STRAITS_ASSIGN_OR_RETURN(
        Statement models,
        conn->Prepare("SELECT n.model_id, count(*), sum(n.gpus) FROM nodes n JOIN pods p ON "
                      "p.id = n.pod_id WHERE p.site_id = ? GROUP BY n.model_id ORDER BY 1"));
    models.Bind(1, id.str());
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool model_row, models.Step());
      if (!model_row) break;
      STRAITS_ASSIGN_OR_RETURN(ModelId model, Reparse(ModelId::Parse(models.Text(0)), "model id"));
      detail.nodes += static_cast<int>(models.Int(1));
      detail.gpus_by_model[model] = static_cast<int>(models.Int(2));
    }
    return detail;
  }

  Status CreateSite(const fleet::Site& site) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(auto tx, Transaction::Begin(*conn));
    STRAITS_ASSIGN_OR_RETURN(Statement op,
                             conn->Prepare("SELECT is_operator FROM organizations WHERE id = ?"));
    op.Bind(1, site.operator_id.str());
    STRAITS_ASSIGN_OR_RETURN(bool found, op.Step());
    if (!found) {
      return InvalidArgument("operator \"" + site.operator_id.str() + "\" is not an organization",
                             "operator");
    }
    if (op.Int(0) == 0) {
      return InvalidArgument(
          "organization \"" + site.operator_id.str() + "\" is not of kind operator", "operator");
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement insert,
        conn->Prepare("INSERT INTO sites(id, name, country, city, operator_id) VALUES(?,?,?,?,?)"));
    insert.Bind(1, site.id.str()).Bind(2, site.name).Bind(3, site.country.code());
    insert.Bind(4, site.city).Bind(5, site.operator_id.str());
    Status s = insert.Run();
    if (s.code() == StatusCode::kAlreadyExists) {
      return AlreadyExists("site \"" + site.id.str() + "\" already exists", "id");
    }
    STRAITS_RETURN_IF_ERROR(s);
    return tx->Commit();
  }

  Result<Page<fleet::Node>> ListNodes(const std::optional<SiteId>& site,
                                      const PageRequest& page) override {
    auto conn = pool_.Acquire();
    std::string sql =
        "SELECT n.hostname, n.pod_id, p.site_id, n.model_id, n.gpus FROM nodes n JOIN pods p ON "
        "p.id = n.pod_id WHERE n.hostname > ?";
    if (site) sql += " AND p.site_id = ?";
    sql += " ORDER BY n.hostname LIMIT ?";
    STRAITS_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(sql));
    int arg = 1;
    stmt.Bind(arg++, page.cursor);
    if (site) stmt.Bind(arg++, site->str());
    stmt.Bind(arg, int64_t{ClampLimit(page.limit) + 1});
    Page<fleet::Node> out;
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      fleet::Node node;
      STRAITS_ASSIGN_OR_RETURN(node.hostname, Reparse(NodeId::Parse(stmt.Text(0)), "hostname"));
      STRAITS_ASSIGN_OR_RETURN(node.pod, Reparse(PodId::Parse(stmt.Text(1)), "pod id"));
      STRAITS_ASSIGN_OR_RETURN(node.site, Reparse(SiteId::Parse(stmt.Text(2)), "site id"));
      STRAITS_ASSIGN_OR_RETURN(node.model, Reparse(ModelId::Parse(stmt.Text(3)), "model id"));
      node.gpus = static_cast<int>(stmt.Int(4));
      out.items.push_back(std::move(node));
    }
    Paginate(out, page, [](const fleet::Node& n) { return n.hostname.str(); });
    return out;
  }

  Status CreateToken(const TokenRecord& token) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("INSERT INTO api_tokens(id, secret_hash, name, role, org_id, created_at, "
                      "expires_at, revoked_at) VALUES(?,?,?,?,?,?,?,?)"));
    stmt.Bind(1, token.id).Bind(2, token.secret_hash).Bind(3, token.name).Bind(4, token.role);
    stmt.BindOptional(5, OptionalId(token.org)).Bind(6, token.created_at.unix_seconds());
    stmt.BindOptional(7, OptionalSeconds(token.expires_at))
        .BindOptional(8, OptionalSeconds(token.revoked_at));
    return stmt.Run();
  }

  Result<TokenRecord> FindTokenBySecretHash(const std::string& secret_hash) override {
    auto conn = pool_.Acquire();
    STRAITS_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT id, secret_hash, name, role, org_id, created_at, expires_at, "
                      "revoked_at FROM api_tokens WHERE secret_hash = ?"));
    stmt.Bind(1, secret_hash);
    STRAITS_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return NotFound("no such token");
    TokenRecord token;
    token.id = stmt.Text(0);
    token.secret_hash = stmt.Text(1);
    token.name = stmt.Text(2);
    token.role = stmt.Text(3);
    if (auto org = stmt.OptionalText(4)) {
      STRAITS_ASSIGN_OR_RETURN(OrgId id, Reparse(OrgId::Parse(*org), "token org"));
      token.org = id;
    }
    token.created_at = Instant::FromUnixSeconds(stmt.Int(5));
    if (auto e = stmt.OptionalInt(6)) token.expires_at = Instant::FromUnixSeconds(*e);
    if (auto r = stmt.OptionalInt(7)) token.revoked_at = Instant::FromUnixSeconds(*r);
    return token;
  }

 private:
  static constexpr std::string_view kOrgColumns =
      "SELECT id, name, hq, billing_country, parent_id, is_operator, is_tenant FROM organizations";
  static constexpr std::string_view kSiteColumns =
      "SELECT id, name, country, city, operator_id FROM sites";

  static std::optional<int64_t> OptionalSeconds(const std::optional<Instant>& t) {
    if (!t) return std::nullopt;
    return t->unix_seconds();
  }

  // Trims the extra row fetched to learn whether another page follows.
  template <typename T, typename KeyFn>
  static void Paginate(Page<T>& out, const PageRequest& page, KeyFn key) {
    const size_t limit = static_cast<size_t>(ClampLimit(page.limit));
    if (out.items.size() > limit) {
      out.items.erase(out.items.begin() + static_cast<std::ptrdiff_t>(limit), out.items.end());
      out.next_cursor = key(out.items.back());
    }
  }

  static Result<fleet::Organization> ReadOrg(Connection& conn, Statement& stmt) {
    STRAITS_ASSIGN_OR_RETURN(OrgId id, Reparse(OrgId::Parse(stmt.Text(0)), "organization id"));
    STRAITS_ASSIGN_OR_RETURN(Country hq, Reparse(Country::Parse(stmt.Text(2)), "country"));
    fleet::Organization org{
        id, stmt.Text(1), {}, hq, std::nullopt, std::nullopt, stmt.Int(5) != 0, stmt.Int(6) != 0};
    if (auto billing = stmt.OptionalText(3)) {
      STRAITS_ASSIGN_OR_RETURN(Country c, Reparse(Country::Parse(*billing), "country"));
      org.billing_country = c;
    }
    if (auto parent = stmt.OptionalText(4)) {
      STRAITS_ASSIGN_OR_RETURN(OrgId p, Reparse(OrgId::Parse(*parent), "parent id"));
      org.parent = p;
    }
    STRAITS_ASSIGN_OR_RETURN(
        Statement aliases,
        conn.Prepare("SELECT alias FROM org_aliases WHERE org_id = ? ORDER BY position"));
    aliases.Bind(1, id.str());
    for (;;) {
      STRAITS_ASSIGN_OR_RETURN(bool row, aliases.Step());
      if (!row) break;
      org.aliases.push_back(aliases.Text(0));
    }
    return org;
  }

  static Result<fleet::Site> ReadSite(Statement& stmt) {
    STRAITS_ASSIGN_OR_RETURN(SiteId id, Reparse(SiteId::Parse(stmt.Text(0)), "site id"));
    STRAITS_ASSIGN_OR_RETURN(Country country, Reparse(Country::Parse(stmt.Text(2)), "country"));
    STRAITS_ASSIGN_OR_RETURN(OrgId op, Reparse(OrgId::Parse(stmt.Text(4)), "operator id"));
    return fleet::Site{id, stmt.Text(1), country, stmt.Text(3), op};
  }

  ConnectionPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options) {
  std::vector<std::unique_ptr<Connection>> connections;
  STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> first,
                           Connection::Open(path, options.create));
  STRAITS_RETURN_IF_ERROR(sqlite::Migrate(*first));
  connections.push_back(std::move(first));
  for (int i = 1; i < options.connections; ++i) {
    STRAITS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Connection::Open(path, false));
    connections.push_back(std::move(conn));
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(connections)));
}

}  // namespace straits::store

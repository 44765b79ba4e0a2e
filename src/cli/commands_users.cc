// `straits users add|list|disable`: people who use Straits, each with one
// role (auth/roles.h); a tenant is bound to one organization and, if granted,
// some of its subsidiaries.
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>

#include "auth/accounts.h"
#include "auth/password.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"

namespace straits::cli {
namespace {

struct AddOptions {
  std::string name;
  std::string role;
  std::string org;
  std::vector<std::string> grants;
  bool password_stdin = false;
};

Result<std::unique_ptr<auth::AccountStore>> OpenAccounts(const GlobalOptions& options) {
  // Opening the core store first gives the usual hint when there is no database.
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  return auth::OpenAccountStore(options.db_path);
}

Result<OrgId> ParseOrg(const std::string& text, const char* field) {
  Result<OrgId> id = OrgId::Parse(text);
  if (!id.ok()) return InvalidArgument(id.status().message(), field);
  return id;
}

Status AddUser(const GlobalOptions& options, const AddOptions& add) {
  std::optional<auth::Role> role = auth::ParseRole(add.role);
  if (!role) {
    return InvalidArgument("unknown role \"" + add.role + "\"; roles: " + auth::RoleNames(),
                           "role");
  }
  if (add.name.empty() || add.name.find_first_of(" \t\r\n:") != std::string::npos) {
    return InvalidArgument("a user name is not empty and has no spaces or colons", "name");
  }
  auth::User user;
  user.name = add.name;
  user.role = *role;
  if (*role == auth::Role::kTenant) {
    if (add.org.empty()) return InvalidArgument("a tenant needs --org ORG", "org");
    STRAITS_ASSIGN_OR_RETURN(user.org, ParseOrg(add.org, "org"));
    for (const std::string& grant : add.grants) {
      STRAITS_ASSIGN_OR_RETURN(OrgId id, ParseOrg(grant, "grant"));
      user.grants.push_back(id);
    }
  } else if (!add.org.empty() || !add.grants.empty()) {
    return InvalidArgument(
        "--org and --grant are for tenants only; " + add.role + " sees every organization it may",
        "org");
  }
  if (add.password_stdin) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    auto random = auth::MakeSecureRandom();
    STRAITS_ASSIGN_OR_RETURN(user.password_hash, auth::HashPassword(*random, password));
  }
  SystemClock clock;
  user.created_at = clock.Now();
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  STRAITS_RETURN_IF_ERROR(accounts->AddUser(user));
  std::printf("added user %s (%s%s)%s\n", user.name.c_str(), add.role.c_str(),
              user.org ? (", " + user.org->str()).c_str() : "",
              user.password_hash.empty() ? "; no password: tokens only" : "");
  return Status::Ok();
}

std::string Grants(const auth::User& user) {
  std::string out;
  for (const OrgId& org : user.grants) out += (out.empty() ? "" : ",") + org.str();
  return out;
}

Status ListUsers(const GlobalOptions& options, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<auth::User> users, accounts->ListUsers());
  if (json) {
    boost::json::array out;
    for (const auth::User& u : users) {
      boost::json::array grants;
      for (const OrgId& org : u.grants) grants.push_back(boost::json::value(org.str()));
      out.push_back(boost::json::object{
          {"name", u.name},
          {"role", std::string(auth::RoleName(u.role))},
          {"org", u.org ? boost::json::value(u.org->str()) : boost::json::value(nullptr)},
          {"grants", std::move(grants)},
          {"password", !u.password_hash.empty()},
          {"created_at", u.created_at.ToString()},
          {"disabled_at", u.disabled_at ? boost::json::value(u.disabled_at->ToString())
                                        : boost::json::value(nullptr)}});
    }
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return Status::Ok();
  }
  Table table({"NAME", "ROLE", "ORG", "GRANTS", "PASSWORD", "STATUS"});
  for (const auth::User& u : users) {
    const std::string grants = Grants(u);
    table.AddRow({u.name, std::string(auth::RoleName(u.role)), u.org ? u.org->str() : "-",
                  grants.empty() ? "-" : grants, u.password_hash.empty() ? "no" : "yes",
                  u.disabled_at ? "disabled " + u.disabled_at->ToString() : "active"});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status DisableUser(const GlobalOptions& options, const std::string& name) {
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  SystemClock clock;
  STRAITS_RETURN_IF_ERROR(accounts->DisableUser(name, clock.Now()));
  std::printf("disabled user %s: its tokens are revoked and its sessions ended\n", name.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterUsersCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  CLI::App* users = app.add_subcommand("users", "Manage users and their roles");
  users->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = users->add_subcommand("add", "Add a user with one role");
  add_cmd->add_option("name", add->name, "User name")->required();
  add_cmd
      ->add_option("--role", add->role, "admin, operator, compliance, finance, tenant or auditor")
      ->required();
  add_cmd->add_option("--org", add->org, "The organization a tenant acts for");
  add_cmd->add_option("--grant", add->grants, "A subsidiary the tenant may also see (repeatable)");
  add_cmd->add_flag("--password-stdin", add->password_stdin,
                    "Read a password for browser login from the first line of stdin");
  add_cmd->callback([&options, &exit_code, add] {
    Status s = AddUser(options, *add);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = users->add_subcommand("list", "List users");
  list->add_flag("--json", *json, "Print JSON");
  list->callback([&options, &exit_code, json] {
    Status s = ListUsers(options, *json);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  auto name = std::make_shared<std::string>();
  CLI::App* disable =
      users->add_subcommand("disable", "Disable a user: revoke its tokens, end its sessions");
  disable->add_option("name", *name, "User name")->required();
  disable->callback([&options, &exit_code, name] {
    Status s = DisableUser(options, *name);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

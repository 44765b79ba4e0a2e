// `straits init` and `straits tokens create|list|revoke`.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "auth/accounts.h"
#include "auth/tokens.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace straits::cli {
namespace {

Status CreateAndPrintToken(store::Store& store, const std::string& name, bool quiet) {
  SystemClock clock;
  auto random = auth::MakeSecureRandom();
  STRAITS_ASSIGN_OR_RETURN(auth::NewToken token,
                           auth::GenerateToken(*random, name, "admin", clock.Now()));
  STRAITS_RETURN_IF_ERROR(store.CreateToken(token.record));
  if (quiet) {
    std::printf("%s\n", token.secret.c_str());
  } else {
    std::printf("admin token %s (%s), shown once; keep it safe:\n%s\n", token.record.id.c_str(),
                name.c_str(), token.secret.c_str());
  }
  return Status::Ok();
}

Status Init(const GlobalOptions& options, const std::string& token_name, bool quiet) {
  const std::filesystem::path path(options.db_path);
  if (std::filesystem::exists(path)) {
    return FailedPrecondition("a database already exists at " + options.db_path +
                              "; use `straits tokens create` for a new token");
  }
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  STRAITS_ASSIGN_OR_RETURN(
      auto store, store::OpenSqliteStore(options.db_path, {.create = true, .connections = 1}));
  if (!quiet) {
    std::printf("created %s (schema version %d)\n", options.db_path.c_str(),
                store->SchemaVersion());
  }
  return CreateAndPrintToken(*store, token_name, quiet);
}

struct CreateOptions {
  std::string name = "admin";
  std::string user;
  std::string expires;
  bool quiet = false;
};

Result<std::unique_ptr<auth::AccountStore>> OpenAccounts(const GlobalOptions& options) {
  // Opening the core store first gives the usual hint when there is no database.
  STRAITS_ASSIGN_OR_RETURN(auto store, OpenStore(options));
  return auth::OpenAccountStore(options.db_path);
}

// "30d", "12h" (from now) or an ISO 8601 instant.
Result<Instant> ParseExpiry(const std::string& text, Instant now) {
  if (Result<Duration> d = Duration::Parse(text); d.ok()) {
    if (*d <= Duration::Seconds(0))
      return InvalidArgument("expiry must be in the future", "expires");
    return now + *d;
  }
  Result<Instant> at = Instant::Parse(text);
  if (!at.ok()) {
    return InvalidArgument("\"" + text + "\" is neither a duration (30d, 12h) nor an ISO 8601 time",
                           "expires");
  }
  if (*at <= now) return InvalidArgument("expiry " + text + " is in the past", "expires");
  return at;
}

// A token for a user: its role and organization are the user's.
Status CreateUserToken(const GlobalOptions& options, const CreateOptions& create) {
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  SystemClock clock;
  const Instant now = clock.Now();
  std::optional<Instant> expires;
  if (!create.expires.empty()) {
    STRAITS_ASSIGN_OR_RETURN(expires, ParseExpiry(create.expires, now));
  }
  Result<auth::User> user = accounts->GetUser(create.user);
  if (!user.ok()) {
    if (user.status().code() == StatusCode::kNotFound) {
      return InvalidArgument("no user \"" + create.user + "\"; add it with `straits users add`",
                             "user");
    }
    return user.status();
  }
  if (user->disabled_at) return FailedPrecondition("user " + user->name + " is disabled", "user");
  auto random = auth::MakeSecureRandom();
  STRAITS_ASSIGN_OR_RETURN(
      auth::NewToken token,
      auth::GenerateToken(*random, user->name, std::string(auth::RoleName(user->role)), now));
  token.record.org = user->role == auth::Role::kTenant ? user->org : std::nullopt;
  token.record.expires_at = expires;
  STRAITS_RETURN_IF_ERROR(accounts->CreateUserToken(token.record, user->name));
  if (create.quiet) {
    std::printf("%s\n", token.secret.c_str());
  } else {
    std::printf("%s token %s for %s%s, shown once; keep it safe:\n%s\n", token.record.role.c_str(),
                token.record.id.c_str(), user->name.c_str(),
                expires ? (", expires " + expires->ToString()).c_str() : "", token.secret.c_str());
  }
  return Status::Ok();
}

std::string TokenStatus(const store::TokenRecord& t, Instant now) {
  if (t.revoked_at) return "revoked " + t.revoked_at->ToString();
  if (t.expires_at && *t.expires_at <= now) return "expired " + t.expires_at->ToString();
  return "active";
}

Status ListTokens(const GlobalOptions& options, bool json) {
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  STRAITS_ASSIGN_OR_RETURN(std::vector<auth::TokenInfo> tokens, accounts->ListTokens());
  SystemClock clock;
  const Instant now = clock.Now();
  auto optional_time = [](const std::optional<Instant>& t) {
    return t ? boost::json::value(t->ToString()) : boost::json::value(nullptr);
  };
  if (json) {
    boost::json::array out;
    for (const auth::TokenInfo& info : tokens) {
      const store::TokenRecord& t = info.token;
      out.push_back(boost::json::object{
          {"id", t.id},
          {"name", t.name},
          {"user", info.user.empty() ? boost::json::value(nullptr) : boost::json::value(info.user)},
          {"role", t.role},
          {"org", t.org ? boost::json::value(t.org->str()) : boost::json::value(nullptr)},
          {"created_at", t.created_at.ToString()},
          {"expires_at", optional_time(t.expires_at)},
          {"revoked_at", optional_time(t.revoked_at)},
          {"status", TokenStatus(t, now).substr(0, TokenStatus(t, now).find(' '))}});
    }
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return Status::Ok();
  }
  Table table({"ID", "USER", "ROLE", "ORG", "CREATED", "EXPIRES", "STATUS"});
  for (const auth::TokenInfo& info : tokens) {
    const store::TokenRecord& t = info.token;
    table.AddRow({t.id, info.user.empty() ? "(" + t.name + ")" : info.user, t.role,
                  t.org ? t.org->str() : "-", t.created_at.ToString(),
                  t.expires_at ? t.expires_at->ToString() : "never", TokenStatus(t, now)});
  }
  table.Print(stdout);
  return Status::Ok();
}

Status RevokeToken(const GlobalOptions& options, const std::string& id) {
  STRAITS_ASSIGN_OR_RETURN(auto accounts, OpenAccounts(options));
  SystemClock clock;
  STRAITS_RETURN_IF_ERROR(accounts->RevokeToken(id, clock.Now()));
  std::printf("revoked token %s\n", id.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterAdminCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto token_name = std::make_shared<std::string>("admin");
  auto quiet = std::make_shared<bool>(false);
  CLI::App* init = app.add_subcommand(
      "init", "Create the database (schema migrations applied) and print an admin token once");
  init->add_option("--token-name", *token_name, "Label for the admin token")->capture_default_str();
  init->add_flag("--quiet,-q", *quiet, "Print only the token");
  init->callback([&options, &exit_code, token_name, quiet] {
    Status s = Init(options, *token_name, *quiet);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  CLI::App* tokens = app.add_subcommand("tokens", "Manage API tokens");
  tokens->require_subcommand(1);
  auto create = std::make_shared<CreateOptions>();
  CLI::App* create_cmd = tokens->add_subcommand(
      "create", "Create a token (for --user, with that user's role; else an admin token)");
  create_cmd->add_option("--user", create->user, "The user the token acts as");
  create_cmd->add_option("--expires", create->expires, "Lifetime (30d, 12h) or an ISO 8601 time");
  create_cmd->add_option("--name", create->name, "Label of an admin token of no user")
      ->capture_default_str();
  create_cmd->add_flag("--quiet,-q", create->quiet, "Print only the token");
  create_cmd->callback([&options, &exit_code, create] {
    Status s;
    if (!create->user.empty()) {
      s = CreateUserToken(options, *create);
    } else if (!create->expires.empty()) {
      s = InvalidArgument("--expires needs --user", "expires");
    } else {
      auto store = OpenStore(options);
      s = store.ok() ? CreateAndPrintToken(**store, create->name, create->quiet) : store.status();
    }
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = tokens->add_subcommand("list", "List tokens (never their secrets)");
  list->add_flag("--json", *json, "Print JSON");
  list->callback([&options, &exit_code, json] {
    Status s = ListTokens(options, *json);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });

  auto id = std::make_shared<std::string>();
  CLI::App* revoke =
      tokens->add_subcommand("revoke", "Revoke a token (a running server refuses it within 5 s)");
  revoke->add_option("id", *id, "Token id (tok_...)")->required();
  revoke->callback([&options, &exit_code, id] {
    Status s = RevokeToken(options, *id);
    exit_code = s.ok() ? kExitOk : ReportError(s);
  });
}

}  // namespace straits::cli

// Browser sessions: log in with a user name and password (JSON or a plain
// HTML form), ask who you are (role, organization, CSRF token), log out.
// See auth/sessions.h for the cookie and CSRF rules.
#include <cctype>

#include "api/api.h"
#include "api/json_io.h"
#include "api/route_family.h"
#include "auth/sessions.h"

namespace straits::api {
namespace {

namespace json = boost::json;

struct Login {
  std::string user;
  std::string password;
};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: "user=ana&password=p%40ss+word".
Result<std::string> FormDecode(std::string_view text, std::string_view field) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size() || HexDigit(text[i + 1]) < 0 || HexDigit(text[i + 2]) < 0) {
        return InvalidArgument("malformed percent escape in the form", std::string(field));
      }
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Result<Login> ParseForm(std::string_view body) {
  Login login;
  bool has_user = false;
  bool has_password = false;
  while (!body.empty()) {
    const size_t end = body.find('&');
    std::string_view pair = body.substr(0, end);
    const size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (key == "user") {
      STRAITS_ASSIGN_OR_RETURN(login.user, FormDecode(value, "user"));
      has_user = true;
    } else if (key == "password") {
      STRAITS_ASSIGN_OR_RETURN(login.password, FormDecode(value, "password"));
      has_password = true;
    } else if (!key.empty()) {
      return InvalidArgument(
          "unknown form field \"" + std::string(key) + "\"; expected user and password",
          std::string(key));
    }
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + 1);
  }
  if (!has_user) return InvalidArgument("missing form field user", "user");
  if (!has_password) return InvalidArgument("missing form field password", "password");
  return login;
}

Result<Login> ParseLogin(const Request& request) {
  if (request.content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    return ParseForm(request.body);
  }
  STRAITS_ASSIGN_OR_RETURN(json::object body, ParseJsonObject(request.body));
  STRAITS_RETURN_IF_ERROR(CheckKnownKeys(body, {"user", "password"}));
  Login login;
  STRAITS_ASSIGN_OR_RETURN(login.user, RequiredString(body, "user"));
  STRAITS_ASSIGN_OR_RETURN(login.password, RequiredString(body, "password"));
  return login;
}

json::object WhoAmI(const auth::Identity& identity) {
  json::array granted;
  for (const OrgId& org : identity.granted_orgs) granted.push_back(json::value(org.str()));
  json::object out{{"user", identity.name},
                   {"role", std::string(auth::RoleName(identity.role))},
                   {"org", identity.org ? json::value(identity.org->str()) : json::value(nullptr)},
                   {"granted_orgs", std::move(granted)},
                   {"via", identity.by_session ? "session" : "token"},
                   {"credential", identity.token_id}};
  if (identity.by_session) out["csrf_token"] = identity.csrf_token;
  return out;
}

std::string SessionCookie(const std::string& value, int64_t max_age_seconds) {
  return std::string(auth::kSessionCookie) + "=" + value +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_seconds);
}

Result<Response> LogIn(Context& ctx) {
  STRAITS_ASSIGN_OR_RETURN(auth::AccountStore * accounts,
                           auth::SharedAccountStore(ctx.services.db_path));
  STRAITS_ASSIGN_OR_RETURN(Login login, ParseLogin(ctx.request));
  STRAITS_ASSIGN_OR_RETURN(auth::User user,
                           auth::CheckPassword(*accounts, login.user, login.password));
  const Instant now = ctx.services.clock.Now();
  auto random = auth::MakeSecureRandom();
  STRAITS_ASSIGN_OR_RETURN(auth::NewSession session,
                           auth::StartSession(*accounts, *random, user.name, now));
  auth::Identity identity = auth::IdentityOfUser(user, session.record.id);
  identity.by_session = true;
  identity.csrf_token = session.record.csrf_token;
  json::object body = WhoAmI(identity);
  body["expires_at"] = session.record.expires_at.ToString();
  Response r = JsonResponse(body, 201);
  r.headers.emplace_back("Set-Cookie",
                         SessionCookie(session.secret, auth::kSessionLifetime.seconds()));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<Response> ShowSession(Context& ctx) {
  Response r = JsonResponse(WhoAmI(ctx.identity));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Result<Response> LogOut(Context& ctx) {
  if (ctx.identity.by_session) {
    STRAITS_ASSIGN_OR_RETURN(auth::AccountStore * accounts,
                             auth::SharedAccountStore(ctx.services.db_path));
    const std::string secret = auth::CookieValue(ctx.request.cookie, auth::kSessionCookie);
    STRAITS_RETURN_IF_ERROR(
        accounts->EndSession(auth::Sha256Hex(secret), ctx.services.clock.Now()));
  }
  Response r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
  return r;
}

}  // namespace

RouteFamily SessionRoutes() {
  return {.routes = {{"POST", "/v1/session", false, LogIn, kEveryRole, /*accepts_form=*/true},
                     {"GET", "/v1/session", true, ShowSession, kEveryRole},
                     {"DELETE", "/v1/session", true, LogOut, kEveryRole}},
          .operations = {{"post",
                          "/v1/session",
                          "session",
                          "Log in (JSON or an application/x-www-form-urlencoded form with user "
                          "and password); sets an HttpOnly, SameSite=Strict session cookie and "
                          "returns the CSRF token that state-changing requests must send as "
                          "X-CSRF-Token",
                          {},
                          "Login",
                          {{"201", "SessionInfo"}, {"400", "Error"}, {"401", "Error"}},
                          false},
                         {"get",
                          "/v1/session",
                          "session",
                          "Who am I: user, role, organization (tenants), and for a session its "
                          "CSRF token",
                          {},
                          nullptr,
                          {{"200", "SessionInfo"}},
                          true},
                         {"delete",
                          "/v1/session",
                          "session",
                          "Log out: ends the session and clears its cookie (needs X-CSRF-Token)",
                          {},
                          nullptr,
                          {{"204", nullptr}, {"403", "Error"}},
                          true}},
          .schemas = R"json({
    "Login": {"type": "object", "required": ["user", "password"], "additionalProperties": false,
      "properties": {"user": {"type": "string"}, "password": {"type": "string"}}},
    "SessionInfo": {"type": "object", "required": ["user", "role", "via"], "properties": {
      "user": {"type": "string"},
      "role": {"enum": ["admin", "operator", "compliance", "finance", "tenant", "auditor"]},
      "org": {"type": ["string", "null"], "description": "The organization of a tenant."},
      "granted_orgs": {"type": "array", "items": {"type": "string"},
        "description": "Subsidiaries a tenant may also see."},
      "via": {"enum": ["session", "token"]},
      "credential": {"type": "string", "description": "Token or session id."},
      "csrf_token": {"type": "string",
        "description": "Send as X-CSRF-Token on POST, PUT, PATCH and DELETE (sessions only)."},
      "expires_at": {"type": "string", "format": "date-time"}}}
  })json"};
}

}  // namespace straits::api

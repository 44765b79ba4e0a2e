// The web dashboard as static files: `straits serve` hands out the Vite build
// of web/ (Services::web_root, `--web-root`) next to the API, so one process
// and one origin serve both (the session cookie and CSRF header need that).
//
//   GET /                 index.html (or, when the build is missing, how to make it)
//   GET /{file}           a top-level file; an unknown name without an extension
//                         gets index.html, so the dashboard's own paths reload
//   GET /assets/{file}    hashed bundles, cached for a year
//
// Paths come from the router already split into segments, so a name never
// holds '/'; names that are empty, start with '.' or hold '\' are refused,
// which keeps every read inside the web root.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "api/api.h"
#include "api/route_family.h"

namespace straits::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";
// The dashboard is bundled whole (fonts and scripts included): nothing may load
// from another origin. ECharts sets inline styles, hence 'unsafe-inline' there.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

std::string_view ContentTypeFor(std::string_view name) {
  struct Entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr Entry kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const Entry& entry : kTypes) {
    if (name.size() >= entry.extension.size() &&
        name.substr(name.size() - entry.extension.size()) == entry.extension) {
      return entry.type;
    }
  }
  return "application/octet-stream";
}

bool IsSafeName(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.find('\\') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

bool HasExtension(std::string_view name) { return name.find('.') != std::string_view::npos; }

std::optional<std::string> ReadRegularFile(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

Response FileResponse(std::string body, std::string_view name, std::string_view cache) {
  Response response;
  response.content_type = std::string(ContentTypeFor(name));
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", std::string(cache));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (name.ends_with(".html")) {
    response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  }
  return response;
}

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// What `/` says when the dashboard was never built: the API works regardless.
Response NotBuiltPage(const fs::path& root) {
  Response response;
  response.content_type = "text/html; charset=utf-8";
  response.headers.emplace_back("Cache-Control", std::string(kRevalidate));
  response.body =
      "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Straits</title>"
      "<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">"
      "<h1>Straits</h1><p>The API is up (<a href=\"/openapi.json\">/openapi.json</a>), but the web "
      "dashboard is not built: <code>" +
      Escape((root / "index.html").string()) +
      "</code> is missing.</p><p>Build it with <code>scripts/build-web</code> (needs Node.js and "
      "npm; <code>scripts/install-deps</code> installs them), or point <code>straits serve "
      "--web-root DIR</code> at a built <code>web/dist</code>.</p></body></html>\n";
  return response;
}

Result<Response> ServeIndex(const Context& ctx) {
  const fs::path root(ctx.services.web_root);
  std::optional<std::string> index = ReadRegularFile(root / "index.html");
  if (!index) return NotBuiltPage(root);
  return FileResponse(std::move(*index), "index.html", kRevalidate);
}

Result<Response> ServeRoot(Context& ctx) { return ServeIndex(ctx); }

Result<Response> ServeTopLevel(Context& ctx) {
  const std::string& name = ctx.params.at("file");
  // "/v1" and friends are API space: never answer them with the dashboard.
  if (name == "v1" || !IsSafeName(name)) return NotFound("no route for " + ctx.request.path);
  if (std::optional<std::string> body = ReadRegularFile(fs::path(ctx.services.web_root) / name)) {
    return FileResponse(std::move(*body), name, kRevalidate);
  }
  if (HasExtension(name)) return NotFound("no file " + name + " in the web dashboard");
  return ServeIndex(ctx);
}

Result<Response> ServeAsset(Context& ctx) {
  const std::string& name = ctx.params.at("file");
  if (!IsSafeName(name)) return NotFound("no route for " + ctx.request.path);
  std::optional<std::string> body =
      ReadRegularFile(fs::path(ctx.services.web_root) / "assets" / name);
  if (!body) return NotFound("no asset " + name + " in the web dashboard");
  return FileResponse(std::move(*body), name, kImmutable);
}

}  // namespace

RouteFamily WebRoutes() {
  const ApiParam file{"file", "path", true, "A file name of the dashboard build."};
  return {.routes = {{"GET", "/", false, ServeRoot},
                     {"GET", "/{file}", false, ServeTopLevel},
                     {"GET", "/assets/{file}", false, ServeAsset}},
          .operations = {{"get",
                          "/",
                          "web",
                          "The web dashboard (index.html), or how to build it when it is missing",
                          {},
                          nullptr,
                          {{"200", nullptr}},
                          false},
                         {"get",
                          "/{file}",
                          "web",
                          "A file of the dashboard; an unknown name without an extension gets "
                          "index.html",
                          {file},
                          nullptr,
                          {{"200", nullptr}, {"404", "Error"}},
                          false},
                         {"get",
                          "/assets/{file}",
                          "web",
                          "A bundled script, style sheet or font (cached for a year: names carry "
                          "a content hash)",
                          {file},
                          nullptr,
                          {{"200", nullptr}, {"404", "Error"}},
                          false}}};
}

}  // namespace straits::api

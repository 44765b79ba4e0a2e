// `straits audit verify` and `straits audit export`.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

#include "cli/context.h"
#include "cli/exit_codes.h"
#include "lease_store/sqlite_lease_store.h"

namespace straits::cli {
namespace {

Result<std::optional<Instant>> OptionalTime(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Instant>();
  Result<Instant> t = Instant::Parse(text);
  if (!t.ok()) return InvalidArgument(t.status().message(), flag);
  return std::optional<Instant>(*t);
}

Result<std::unique_ptr<lease_store::LeaseStore>> OpenLeases(const GlobalOptions& options) {
  return lease_store::OpenSqliteLeaseStore(options.db_path, {.connections = 1});
}

Status Verify(const GlobalOptions& options, bool as_json) {
  STRAITS_ASSIGN_OR_RETURN(auto leases, OpenLeases(options));
  STRAITS_ASSIGN_OR_RETURN(lease_store::AuditVerification v, leases->VerifyAudit());
  if (as_json) {
    boost::json::object out{{"ok", v.ok}, {"entries", v.entries}, {"message", v.message}};
    out["first_bad"] = v.first_bad ? boost::json::value(*v.first_bad) : boost::json::value(nullptr);
    std::printf("%s\n", boost::json::serialize(out).c_str());
  } else if (v.ok) {
    std::printf("ok: %s\n", v.message.c_str());
  }
  if (!v.ok) return FailedPrecondition("audit trail broken: " + v.message);
  return Status::Ok();
}

Status Export(const GlobalOptions& options, const std::string& from_text,
              const std::string& to_text) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> from, OptionalTime(from_text, "--from"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> to, OptionalTime(to_text, "--to"));
  STRAITS_ASSIGN_OR_RETURN(auto leases, OpenLeases(options));
  return leases->ListAudit(from, to, [](const lease_store::AuditEntry& e) {
    boost::system::error_code ec;
    boost::json::value detail = boost::json::parse(e.detail, ec);
    boost::json::object line{{"seq", e.seq},
                             {"at", e.at.ToString()},
                             {"actor", e.actor},
                             {"action", e.action},
                             {"subject", e.subject},
                             {"detail", ec ? boost::json::value(e.detail) : detail},
                             {"prev_hash", e.prev_hash},
                             {"hash", e.hash}};
    std::printf("%s\n", boost::json::serialize(line).c_str());
    return true;
  });
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, GlobalOptions& options, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };
  CLI::App* group = app.add_subcommand(
      "audit", "The tamper-evident audit trail (SHA-256 hash chain over every change)");
  group->require_subcommand(1);

  auto json = std::make_shared<bool>(false);
  CLI::App* verify = group->add_subcommand(
      "verify", "Walk the hash chain; exit 1 naming the first entry that was altered or removed");
  verify->add_flag("--json", *json, "Machine-readable JSON");
  verify->callback([&options, report, json] { report(Verify(options, *json)); });

  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  CLI::App* exp = group->add_subcommand(
      "export", "Write entries with FROM <= time < TO as JSON lines to stdout");
  exp->add_option("--from", *from, "ISO 8601 instant or date (default: the first entry)");
  exp->add_option("--to", *to, "ISO 8601 instant or date, exclusive (default: the last entry)");
  exp->callback([&options, report, from, to] { report(Export(options, *from, *to)); });
}

}  // namespace straits::cli

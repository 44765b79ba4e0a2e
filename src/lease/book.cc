#include "lease/book.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "fleet/fleet_file.h"
#include "lease/json.h"

namespace straits::lease {
namespace {

namespace json = boost::json;

// An ISO 8601 instant, or an offset from the anchor ("-38d", "+1d12h").
Result<Instant> TimeAt(const json::value& v, Instant anchor, const std::string& where,
                       const char* key) {
  if (!v.is_string()) return InvalidArgument(where + ": expected a time", key);
  const std::string text(v.as_string());
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    Result<Duration> d = Duration::Parse(std::string_view(text).substr(1));
    if (!d.ok()) return InvalidArgument(where + ": " + d.status().message(), key);
    return text[0] == '+' ? anchor + *d : anchor - *d;
  }
  Result<Instant> t = Instant::Parse(text);
  if (!t.ok()) return InvalidArgument(where + ": " + t.status().message(), key);
  return t;
}

Result<std::string> Text(const json::object& entry, const char* key, const std::string& where) {
  const json::value* v = entry.if_contains(key);
  if (!v || !v->is_string()) return InvalidArgument(where + ": \"" + key + "\" is required", key);
  return std::string(v->as_string());
}

std::string OptionalText(const json::object& entry, const char* key) {
  const json::value* v = entry.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

// The lease id in an answer (a fresh one or a replayed body).
std::optional<LeaseId> IdIn(const Outcome& out) {
  if (out.lease) return out.lease->id;
  boost::system::error_code ec;
  json::value body = json::parse(out.body, ec);
  if (ec || !body.is_object()) return std::nullopt;
  const json::value* id = body.as_object().if_contains("id");
  if (!id || !id->is_string()) return std::nullopt;
  Result<LeaseId> parsed = LeaseId::Parse(std::string(id->as_string()));
  return parsed.ok() ? std::optional<LeaseId>(*parsed) : std::nullopt;
}

std::string StateIn(const Outcome& out) {
  if (out.lease) return std::string(StateName(out.lease->state));
  boost::system::error_code ec;
  json::value body = json::parse(out.body, ec);
  if (ec || !body.is_object() || !body.as_object().contains("state")) return "";
  return std::string(body.at("state").as_string());
}

Status ApplyFleetFile(const std::string& path, const std::string& where, store::Store& store) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(where + ": cannot read " + path, "file");
  std::stringstream text;
  text << in.rdbuf();
  Result<fleet::Fleet> parsed = fleet::ParseFleetToml(text.str(), path);
  if (!parsed.ok()) return parsed.status();
  return store.ImportFleet(*parsed);
}

// One entry of the book, checked: a JSON object with a time no later than
// the anchor, in time order.
struct Entry {
  int line = 0;
  std::string where;  // "file:line"
  json::object fields;
  Instant at;
};

// The whole book is read and checked before anything is replayed, so a bad
// line anywhere stops the import before it changes anything.
Result<std::vector<Entry>> ParseBook(std::string_view text, const std::string& source,
                                     Instant anchor) {
  std::vector<Entry> entries;
  Instant last = Instant::FromUnixSeconds(0);
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    Entry entry{line_no, source + ":" + std::to_string(line_no), {}, {}};
    boost::system::error_code ec;
    json::value parsed = json::parse(line, ec);
    if (ec || !parsed.is_object()) {
      return InvalidArgument(entry.where + ": not a JSON object (" + ec.message() + ")");
    }
    entry.fields = std::move(parsed.as_object());
    const json::value* at_value = entry.fields.if_contains("at");
    if (!at_value) return InvalidArgument(entry.where + ": \"at\" is required", "at");
    STRAITS_ASSIGN_OR_RETURN(entry.at, TimeAt(*at_value, anchor, entry.where, "at"));
    if (entry.at > anchor) {
      return InvalidArgument(entry.where + ": " + entry.at.ToString() + " lies after the anchor " +
                                 anchor.ToString() + "; a book records what already happened",
                             "at");
    }
    if (entry.at < last) {
      return InvalidArgument(entry.where + ": entries must be in time order (" +
                                 entry.at.ToString() + " comes before " + last.ToString() + ")",
                             "at");
    }
    last = entry.at;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

Result<Instant> BookStart(std::string_view text, const std::string& source, Instant anchor) {
  STRAITS_ASSIGN_OR_RETURN(std::vector<Entry> entries, ParseBook(text, source, anchor));
  return entries.empty() ? anchor : std::min(entries.front().at, anchor);
}

Result<BookReport> ReplayBook(std::string_view text, const std::string& source, Instant anchor,
                              LeaseService& service, lease_store::LeaseStore& leases,
                              store::Store& store, FakeClock& clock) {
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  const Actor actor{"book:" + std::filesystem::path(source).filename().string(), "book", {}};
  const std::string key_prefix = "book " + anchor.ToString() + " line ";
  BookReport report;
  // Imported already when the last request was: an import interrupted earlier
  // is carried on, its finished lines answering as they did the first time.
  STRAITS_ASSIGN_OR_RETURN(std::vector<Entry> entries, ParseBook(text, source, anchor));
  int last_request_line = 0;
  for (const Entry& e : entries) {
    if (OptionalText(e.fields, "op") == "request") last_request_line = e.line;
  }
  if (last_request_line > 0) {
    STRAITS_ASSIGN_OR_RETURN(
        auto seen,
        leases.FindIdempotent(actor.scope, key_prefix + std::to_string(last_request_line)));
    if (seen) {
      report.already_imported = true;
      return report;
    }
  }
  // Leases on hold before the replay: the report counts the ones it added,
  // whether a reevaluate entry or a tick after an ownership change held them.
  const lease::State kHeld[] = {lease::State::kComplianceHold};
  STRAITS_ASSIGN_OR_RETURN(std::vector<Lease> held_before, leases.ListInStates(kHeld));
  std::map<std::string, LeaseId> refs;
  std::set<std::string> refused;  // refs whose request no site could host
  Instant last = Instant::FromUnixSeconds(0);
  for (const Entry& e : entries) {
    const json::object& entry = e.fields;
    const std::string& where = e.where;
    const Instant at = e.at;
    last = at;
    clock.Set(at);
    STRAITS_ASSIGN_OR_RETURN(int moved, service.Tick());
    report.moved += moved;

    STRAITS_ASSIGN_OR_RETURN(std::string op, Text(entry, "op", where));
    const Idempotency key{key_prefix + std::to_string(e.line), ""};
    if (op == "fleet") {
      STRAITS_ASSIGN_OR_RETURN(std::string file, Text(entry, "file", where));
      STRAITS_RETURN_IF_ERROR(ApplyFleetFile((dir / file).string(), where, store));
      service.CheckWorldOnNextTick();
      STRAITS_ASSIGN_OR_RETURN(int moved_now, service.Tick());
      report.moved += moved_now;
      continue;
    }
    if (op == "reevaluate") {
      const std::string why = OptionalText(entry, "why");
      // Holds are counted once, at the end: the clock's ticks hold leases too.
      STRAITS_RETURN_IF_ERROR(
          service.Reevaluate(why.empty() ? "the lease book" : why, actor).status());
      continue;
    }
    STRAITS_ASSIGN_OR_RETURN(std::string ref, Text(entry, "ref", where));
    if (op == "request") {
      const json::value* request = entry.if_contains("request");
      if (!request || !request->is_object()) {
        return InvalidArgument(where + ": \"request\" must be an object", "request");
      }
      json::object body = request->as_object();
      for (const char* time_key : {"start", "earliest", "latest_end"}) {
        if (const json::value* v = body.if_contains(time_key)) {
          STRAITS_ASSIGN_OR_RETURN(Instant t, TimeAt(*v, anchor, where, time_key));
          body[time_key] = t.ToString();
        }
      }
      Result<LeaseSpec> spec = SpecFromJson(body, at);
      if (!spec.ok()) {
        return Status(spec.status().code(), where + ": " + spec.status().message(),
                      spec.status().field());
      }
      STRAITS_ASSIGN_OR_RETURN(Outcome out, service.Request(*spec, actor, key));
      ++report.requests;
      std::optional<LeaseId> id = IdIn(out);
      if (out.status >= 400 || !id) {
        ++report.refused;
        refused.insert(ref);
        continue;
      }
      refs.insert_or_assign(ref, *id);
      const std::string state = StateIn(out);
      if (state == "scheduled") ++report.scheduled;
      if (state == "pending_review") ++report.pending;
      if (state == "denied") ++report.denied;
      continue;
    }
    if (refused.count(ref)) {
      ++report.skipped;  // what was never recorded cannot be reviewed or changed
      continue;
    }
    const auto it = refs.find(ref);
    if (it == refs.end()) {
      return InvalidArgument(where + ": no lease was recorded for ref \"" + ref +
                                 "\" (unknown, or its request was refused)",
                             "ref");
    }
    Result<Outcome> out = Internal("unreachable");
    if (op == "approve") {
      STRAITS_ASSIGN_OR_RETURN(std::string reason, Text(entry, "reason", where));
      out = service.Approve(it->second, reason, OptionalText(entry, "license"), actor, key);
    } else if (op == "deny") {
      STRAITS_ASSIGN_OR_RETURN(std::string reason, Text(entry, "reason", where));
      out = service.Deny(it->second, reason, actor, key);
    } else if (op == "cancel") {
      out = service.Cancel(it->second, actor, key);
    } else if (op == "extend") {
      const json::value* to_value = entry.if_contains("to");
      if (!to_value) return InvalidArgument(where + ": \"to\" is required", "to");
      STRAITS_ASSIGN_OR_RETURN(Instant to, TimeAt(*to_value, anchor, where, "to"));
      out = service.Extend(it->second, to, actor, key);
    } else {
      return InvalidArgument(where + ": unknown op \"" + op +
                                 "\"; expected request, approve, deny, cancel, extend, fleet or "
                                 "reevaluate",
                             "op");
    }
    // A change the lifecycle or the calendar refuses (the nodes are taken, the
    // lease moved on) is what the service would answer at that time: counted
    // and reported, and the replay goes on. Anything else stops it.
    if (!out.ok() && out.status().code() != StatusCode::kFailedPrecondition) {
      return Status(out.status().code(), where + ": " + out.status().message(),
                    out.status().field());
    }
    if (!out.ok() || out->status >= 400) {
      report.refused_changes.push_back(where + ": " + op + " " + it->second.str() + ": " +
                                       (out.ok() ? out->body : out.status().message()));
      continue;
    }
    ++report.changes;
  }
  clock.Set(std::max(last, anchor));
  STRAITS_ASSIGN_OR_RETURN(int moved, service.Tick());
  report.moved += moved;
  STRAITS_ASSIGN_OR_RETURN(std::vector<Lease> held_after, leases.ListInStates(kHeld));
  report.held =
      std::max(0, static_cast<int>(held_after.size()) - static_cast<int>(held_before.size()));
  return report;
}

}  // namespace straits::lease

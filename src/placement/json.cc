#include "placement/json.h"

#include <cstdio>

namespace straits::placement {
namespace {

namespace json = boost::json;

Status Bad(std::string message, std::string field) {
  return InvalidArgument(std::move(message), std::move(field));
}

Result<std::string> GetString(const json::value& v, const std::string& field) {
  if (!v.is_string()) return Bad("must be a string", field);
  return std::string(v.as_string());
}

Result<double> GetNumber(const json::value& v, const std::string& field) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return Bad("must be a number", field);
}

Result<Instant> GetInstant(const json::value& v, const std::string& field) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, GetString(v, field));
  Result<Instant> t = Instant::Parse(text);
  if (!t.ok()) return Bad(t.status().message(), field);
  return *t;
}

template <typename IdType>
Result<IdType> GetId(const json::value& v, const std::string& field) {
  STRAITS_ASSIGN_OR_RETURN(std::string text, GetString(v, field));
  Result<IdType> id = IdType::Parse(text);
  if (!id.ok()) return Bad(id.status().message(), field);
  return *id;
}

template <typename IdType>
Result<std::vector<IdType>> GetIds(const json::value& v, const std::string& field) {
  if (!v.is_array()) return Bad("must be an array of ids", field);
  std::vector<IdType> out;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    STRAITS_ASSIGN_OR_RETURN(IdType id,
                             GetId<IdType>(v.as_array()[i], field + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(id));
  }
  return out;
}

Result<ModelConstraints> GetConstraints(const json::value& v) {
  if (!v.is_object()) return Bad("must be an object", "constraints");
  ModelConstraints c;
  for (const auto& [key, value] : v.as_object()) {
    const std::string field = "constraints." + std::string(key);
    if (key == "min_tpp") {
      STRAITS_ASSIGN_OR_RETURN(c.min_tpp, GetNumber(value, field));
    } else if (key == "min_memory_gb") {
      STRAITS_ASSIGN_OR_RETURN(c.min_memory_gb, GetNumber(value, field));
    } else if (key == "vendor") {
      STRAITS_ASSIGN_OR_RETURN(c.vendor, GetString(value, field));
    } else {
      return Bad("unknown key; expected min_tpp, min_memory_gb or vendor", field);
    }
  }
  return c;
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

}  // namespace

Result<Request> RequestFromJson(const json::value& value) {
  if (!value.is_object()) return Bad("a request must be a JSON object", "");
  const json::object& obj = value.as_object();
  Request r;
  bool has_gpus = false, has_duration = false, has_start = false;
  std::optional<Instant> fixed_start;
  for (const auto& [key_view, v] : obj) {
    const std::string key(key_view);
    if (key == "id") {
      STRAITS_ASSIGN_OR_RETURN(r.id, GetString(v, key));
    } else if (key == "tenant") {
      STRAITS_ASSIGN_OR_RETURN(r.tenant, GetId<OrgId>(v, key));
    } else if (key == "gpus") {
      if (!v.is_int64() && !v.is_uint64()) return Bad("must be an integer", key);
      r.gpus = v.is_int64() ? v.as_int64() : static_cast<int64_t>(v.as_uint64());
      has_gpus = true;
    } else if (key == "models") {
      STRAITS_ASSIGN_OR_RETURN(r.models, GetIds<ModelId>(v, key));
    } else if (key == "constraints") {
      STRAITS_ASSIGN_OR_RETURN(r.constraints, GetConstraints(v));
    } else if (key == "duration") {
      STRAITS_ASSIGN_OR_RETURN(std::string text, GetString(v, key));
      Result<Duration> d = Duration::Parse(text);
      if (!d.ok()) return Bad(d.status().message(), key);
      r.duration = *d;
      has_duration = true;
    } else if (key == "earliest_start") {
      STRAITS_ASSIGN_OR_RETURN(r.earliest_start, GetInstant(v, key));
      has_start = true;
    } else if (key == "start") {
      STRAITS_ASSIGN_OR_RETURN(fixed_start, GetInstant(v, key));
    } else if (key == "latest_end") {
      STRAITS_ASSIGN_OR_RETURN(r.latest_end, GetInstant(v, key));
    } else if (key == "scope") {
      STRAITS_ASSIGN_OR_RETURN(std::string text, GetString(v, key));
      STRAITS_ASSIGN_OR_RETURN(r.scope, ParseScope(text));
    } else if (key == "sites") {
      STRAITS_ASSIGN_OR_RETURN(r.sites, GetIds<SiteId>(v, key));
    } else if (key == "only_listed_sites") {
      if (!v.is_bool()) return Bad("must be true or false", key);
      r.only_listed_sites = v.as_bool();
    } else if (key == "max_price_per_gpu_hour") {
      STRAITS_ASSIGN_OR_RETURN(std::string text, GetString(v, key));
      Result<Money> m = Money::Parse(text);
      if (!m.ok()) return Bad(m.status().message(), key);
      r.max_price_per_gpu_hour = *m;
    } else {
      return Bad(
          "unknown key; expected id, tenant, gpus, models, constraints, duration, "
          "earliest_start, start, latest_end, scope, sites, only_listed_sites or "
          "max_price_per_gpu_hour",
          key);
    }
  }
  if (!has_gpus) return Bad("missing (the number of GPUs)", "gpus");
  if (!has_duration) return Bad("missing (e.g. \"72h\")", "duration");
  if (fixed_start) {
    if (has_start || r.latest_end) {
      return Bad("a fixed start excludes earliest_start and latest_end", "start");
    }
    r.earliest_start = *fixed_start;
    r.latest_end = *fixed_start + r.duration;
  } else if (!has_start) {
    return Bad("missing (or give a fixed \"start\")", "earliest_start");
  }
  return r;
}

Result<Request> ParseRequestJson(std::string_view text, std::string_view source_name) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) {
    // Locate the error: Boost.JSON reports no position, so re-parse with a stream
    // parser to find how far it got.
    json::stream_parser parser;
    size_t consumed = 0;
    boost::system::error_code ec2;
    consumed = parser.write_some(text.data(), text.size(), ec2);
    int line = 1, col = 1;
    for (size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return Bad("invalid JSON: " + ec.message(),
               std::string(source_name) + ":" + std::to_string(line) + ":" + std::to_string(col));
  }
  return RequestFromJson(value);
}

json::object DecisionToJson(const Decision& decision, const Topology& topology) {
  json::object out;
  out["placed"] = decision.placed();
  if (decision.placement) {
    const Placement& p = *decision.placement;
    json::object placement;
    placement["site"] = topology.site(p.site).id.str();
    placement["model"] = topology.model(p.model).id.str();
    placement["pod"] =
        p.pod >= 0 ? json::value(topology.pod(p.pod).id.str()) : json::value(nullptr);
    placement["start"] = Instant::FromUnixSeconds(p.start).ToString();
    placement["end"] = Instant::FromUnixSeconds(p.end).ToString();
    placement["gpus"] = p.gpus();
    json::array nodes;
    for (const Allocation& a : p.allocations) {
      nodes.push_back(json::object{{"node", topology.node(a.node).id.str()}, {"gpus", a.gpus}});
    }
    placement["nodes"] = std::move(nodes);
    placement["price_per_gpu_hour"] =
        p.price_per_gpu_hour ? json::value(p.price_per_gpu_hour->ToString()) : json::value(nullptr);
    placement["score"] = p.score;
    out["placement"] = std::move(placement);
  } else {
    out["placement"] = nullptr;
  }
  json::array reasons;
  for (const SiteReason& r : decision.reasons) {
    json::object reason{{"site", topology.site(r.site).id.str()},
                        {"code", std::string(ReasonCodeName(r.code))},
                        {"plugin", r.plugin},
                        {"message", r.message}};
    reason["short_by_gpus"] =
        r.short_by_gpus >= 0 ? json::value(r.short_by_gpus) : json::value(nullptr);
    reasons.push_back(std::move(reason));
  }
  out["reasons"] = std::move(reasons);
  return out;
}

std::string FormatDecision(const Decision& decision, const Topology& topology) {
  std::string out;
  if (decision.placement) {
    const Placement& p = *decision.placement;
    out += "placed: " + std::to_string(p.gpus()) + " x " + topology.model(p.model).id.str() +
           " at " + topology.site(p.site).id.str();
    if (p.pod >= 0) out += " (pod " + topology.pod(p.pod).id.str() + ")";
    out += "\n  from " + Instant::FromUnixSeconds(p.start).ToString() + " to " +
           Instant::FromUnixSeconds(p.end).ToString() + "\n";
    if (p.price_per_gpu_hour)
      out += "  price " + p.price_per_gpu_hour->ToString() + " per GPU-hour\n";
    out += "  score " + Fixed(p.score) + "\n  nodes:";
    for (const Allocation& a : p.allocations) {
      out += " " + topology.node(a.node).id.str() + "x" + std::to_string(a.gpus);
    }
    out += "\n";
  } else {
    out += "not placed\n";
  }
  for (const SiteReason& r : decision.reasons) {
    out += "  " + topology.site(r.site).id.str() + ": " + std::string(ReasonCodeName(r.code)) +
           " (" + r.plugin + ") " + r.message + "\n";
  }
  return out;
}

}  // namespace straits::placement

#include "lease/json.h"

#include <cmath>

namespace straits::lease {
namespace {

namespace json = boost::json;

std::string_view KindOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

Status WrongType(const json::value& v, std::string_view expected, std::string field) {
  return InvalidArgument("expected " + std::string(expected) + ", got " + std::string(KindOf(v)),
                         std::move(field));
}

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

Result<std::optional<std::string>> OptString(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(*v, "a string", std::string(key));
  return std::optional<std::string>(std::string(v->as_string()));
}

template <typename T>
Result<T> Field(Result<T> value, std::string_view field) {
  if (!value.ok())
    return Status(value.status().code(), value.status().message(), std::string(field));
  return value;
}

Result<std::optional<Instant>> OptInstant(const json::object& o, std::string_view key) {
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> text, OptString(o, key));
  if (!text) return std::optional<Instant>();
  STRAITS_ASSIGN_OR_RETURN(Instant t, Field(Instant::Parse(*text), key));
  return std::optional<Instant>(t);
}

template <typename IdT>
Result<std::vector<IdT>> IdList(const json::object& o, std::string_view key) {
  std::vector<IdT> out;
  const json::value* v = Find(o, key);
  if (!v) return out;
  if (!v->is_array()) return WrongType(*v, "an array of ids", std::string(key));
  const json::array& items = v->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    if (!items[i].is_string()) return WrongType(items[i], "a string", field);
    STRAITS_ASSIGN_OR_RETURN(IdT id, Field(IdT::Parse(std::string(items[i].as_string())), field));
    for (const IdT& seen : out) {
      if (seen == id) return InvalidArgument("\"" + id.str() + "\" is listed twice", field);
    }
    out.push_back(std::move(id));
  }
  return out;
}

json::value OptionalTime(const std::optional<Instant>& t) {
  if (!t) return nullptr;
  return json::value(t->ToString());
}

}  // namespace

Result<std::optional<double>> OptionalNumber(const json::object& object, std::string_view key) {
  const json::value* v = Find(object, key);
  if (!v) return std::optional<double>();
  if (!v->is_number()) return WrongType(*v, "a number", std::string(key));
  const double d = v->to_number<double>();
  if (!std::isfinite(d)) return InvalidArgument("must be finite", std::string(key));
  return std::optional<double>(d);
}

Result<LeaseSpec> SpecFromJson(const json::object& body, Instant now) {
  static constexpr std::string_view kKeys[] = {
      "tenant",     "gpus",     "accelerators", "min_tpp",   "scope",   "start",        "earliest",
      "latest_end", "duration", "sites",        "max_price", "purpose", "training_flop"};
  for (const auto& entry : body) {
    bool known = false;
    for (std::string_view k : kKeys) known = known || entry.key() == k;
    if (!known) {
      std::string list;
      for (std::string_view k : kKeys) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument("unknown field (accepted: " + list + ")", std::string(entry.key()));
    }
  }
  LeaseSpec spec;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> tenant, OptString(body, "tenant"));
  if (!tenant) return InvalidArgument("missing required field", "tenant");
  STRAITS_ASSIGN_OR_RETURN(spec.tenant, Field(OrgId::Parse(*tenant), "tenant"));

  const json::value* gpus = Find(body, "gpus");
  if (!gpus) return InvalidArgument("missing required field", "gpus");
  if (!gpus->is_int64() && !gpus->is_uint64()) return WrongType(*gpus, "a whole number", "gpus");
  spec.gpus = gpus->is_int64() ? gpus->as_int64() : static_cast<int64_t>(gpus->as_uint64());

  STRAITS_ASSIGN_OR_RETURN(spec.models, IdList<ModelId>(body, "accelerators"));
  STRAITS_ASSIGN_OR_RETURN(spec.min_tpp, OptionalNumber(body, "min_tpp"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> scope, OptString(body, "scope"));
  if (scope) {
    STRAITS_ASSIGN_OR_RETURN(spec.scope, Field(placement::ParseScope(*scope), "scope"));
  }

  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> duration, OptString(body, "duration"));
  if (!duration)
    return InvalidArgument("missing required field (e.g. \"72h\", \"30d\")", "duration");
  STRAITS_ASSIGN_OR_RETURN(spec.duration, Field(Duration::Parse(*duration), "duration"));

  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> start, OptInstant(body, "start"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> earliest, OptInstant(body, "earliest"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> latest_end, OptInstant(body, "latest_end"));
  if (start && earliest) {
    return InvalidArgument("give either start (a fixed start) or earliest (a window), not both",
                           "start");
  }
  if (start && latest_end) {
    return InvalidArgument("a fixed start ends at start + duration; use earliest with latest_end",
                           "latest_end");
  }
  if (start) {
    spec.earliest_start = *start;
    spec.latest_end = *start + spec.duration;
  } else {
    spec.earliest_start = earliest ? *earliest : now;
    spec.latest_end = latest_end;
  }

  STRAITS_ASSIGN_OR_RETURN(spec.sites, IdList<SiteId>(body, "sites"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> price, OptString(body, "max_price"));
  if (price) {
    STRAITS_ASSIGN_OR_RETURN(Money cap, Field(Money::Parse(*price), "max_price"));
    spec.max_price_per_gpu_hour = cap;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> purpose, OptString(body, "purpose"));
  if (purpose) {
    std::optional<policy::EndUse> end_use = policy::ParseEndUse(*purpose);
    if (!end_use) {
      return InvalidArgument(
          "unknown purpose \"" + *purpose + "\" (accepted: training, inference, other, undeclared)",
          "purpose");
    }
    spec.end_use = *end_use;
  }
  STRAITS_ASSIGN_OR_RETURN(spec.training_flop, OptionalNumber(body, "training_flop"));
  spec.end_use = policy::ImpliedEndUse(spec.end_use, spec.training_flop.has_value());
  Status valid = ValidateSpec(spec);
  if (!valid.ok()) {
    // The spec names latest_end and max_price_per_gpu_hour; the request says max_price.
    if (valid.field() == "max_price_per_gpu_hour") {
      return Status(valid.code(), valid.message(), "max_price");
    }
    if (valid.field() == "models") return Status(valid.code(), valid.message(), "accelerators");
    return valid;
  }
  return spec;
}

json::object SpecToJson(const LeaseSpec& spec) {
  json::array models;
  for (const ModelId& m : spec.models) models.emplace_back(m.str());
  json::array sites;
  for (const SiteId& s : spec.sites) sites.emplace_back(s.str());
  json::object out{{"tenant", spec.tenant.str()},
                   {"gpus", spec.gpus},
                   {"accelerators", std::move(models)},
                   {"scope", placement::ScopeName(spec.scope)},
                   {"earliest", spec.earliest_start.ToString()},
                   {"latest_end", OptionalTime(spec.latest_end)},
                   {"duration", spec.duration.ToString()},
                   {"sites", std::move(sites)},
                   {"purpose", policy::EndUseName(spec.end_use)}};
  out["min_tpp"] = spec.min_tpp ? json::value(*spec.min_tpp) : json::value(nullptr);
  out["max_price"] = spec.max_price_per_gpu_hour
                         ? json::value(spec.max_price_per_gpu_hour->ToString())
                         : json::value(nullptr);
  out["training_flop"] =
      spec.training_flop ? json::value(*spec.training_flop) : json::value(nullptr);
  return out;
}

json::object PlacementToJson(const LeasePlacement& p) {
  json::array nodes;
  for (const NodeAllocation& a : p.allocations) {
    nodes.push_back(json::object{{"node", a.node.str()}, {"gpus", a.gpus}});
  }
  json::object out{
      {"site", p.site.str()},    {"model", p.model.str()}, {"start", p.start.ToString()},
      {"end", p.end.ToString()}, {"gpus", p.gpus()},       {"nodes", std::move(nodes)}};
  out["price_per_gpu_hour"] =
      p.price_per_gpu_hour ? json::value(p.price_per_gpu_hour->ToString()) : json::value(nullptr);
  return out;
}

Result<LeasePlacement> PlacementFromJson(const json::object& o) {
  LeasePlacement p;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> site, OptString(o, "site"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> model, OptString(o, "model"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> start, OptInstant(o, "start"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<Instant> end, OptInstant(o, "end"));
  if (!site || !model || !start || !end) {
    return InvalidArgument("placement needs site, model, start and end", "placement");
  }
  STRAITS_ASSIGN_OR_RETURN(p.site, Field(SiteId::Parse(*site), "site"));
  STRAITS_ASSIGN_OR_RETURN(p.model, Field(ModelId::Parse(*model), "model"));
  p.start = *start;
  p.end = *end;
  const json::value* nodes = Find(o, "nodes");
  if (!nodes || !nodes->is_array()) return InvalidArgument("expected an array", "nodes");
  for (const json::value& n : nodes->as_array()) {
    if (!n.is_object()) return InvalidArgument("expected an object", "nodes");
    STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> node, OptString(n.as_object(), "node"));
    const json::value* gpus = Find(n.as_object(), "gpus");
    if (!node || !gpus || !gpus->is_int64()) {
      return InvalidArgument("a node needs node and gpus", "nodes");
    }
    STRAITS_ASSIGN_OR_RETURN(NodeId id, Field(NodeId::Parse(*node), "nodes"));
    p.allocations.push_back({std::move(id), static_cast<int32_t>(gpus->as_int64())});
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> price, OptString(o, "price_per_gpu_hour"));
  if (price) {
    STRAITS_ASSIGN_OR_RETURN(Money m, Field(Money::Parse(*price), "price_per_gpu_hour"));
    p.price_per_gpu_hour = m;
  }
  return p;
}

json::object LeaseToJson(const Lease& lease) {
  json::object out{{"id", lease.id.str()},
                   {"tenant", lease.spec.tenant.str()},
                   {"state", StateName(lease.state)},
                   {"version", lease.version},
                   {"request", SpecToJson(lease.spec)}};
  out["placement"] =
      lease.placement ? json::value(PlacementToJson(*lease.placement)) : json::value(nullptr);
  out["verdict"] = policy::VerdictName(lease.verdict);
  out["accepted_verdict"] = policy::VerdictName(lease.accepted_verdict);
  out["hold_until"] = OptionalTime(lease.hold_until);
  out["reason"] = lease.reason;
  out["license"] = lease.license;
  out["reviewed_by"] = lease.reviewed_by;
  out["created_by"] = lease.created_by;
  out["created_at"] = lease.created_at.ToString();
  out["updated_at"] = lease.updated_at.ToString();
  return out;
}

}  // namespace straits::lease

#include "lease/quote.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "lease/json.h"

namespace straits::embedded {
extern const std::string_view kModelUtilizationToml;  // data/model-utilization.toml
}  // namespace straits::embedded

namespace straits::lease {
namespace {

namespace json = boost::json;

std::string Where(std::string_view source, const toml::source_region& region) {
  return std::string(source) + ":" + std::to_string(region.begin.line) + ":" +
         std::to_string(region.begin.column);
}

template <typename T>
Result<T> Field(Result<T> value, std::string_view field) {
  if (!value.ok())
    return Status(value.status().code(), value.status().message(), std::string(field));
  return value;
}

Result<std::optional<std::string>> OptString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) return InvalidArgument("expected a string", std::string(key));
  return std::optional<std::string>(std::string(it->value().as_string()));
}

template <typename IdT>
Result<std::vector<IdT>> IdList(const json::object& o, std::string_view key) {
  std::vector<IdT> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) return InvalidArgument("expected an array of ids", std::string(key));
  const json::array& items = it->value().as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    if (!items[i].is_string()) return InvalidArgument("expected a string", field);
    STRAITS_ASSIGN_OR_RETURN(IdT id, Field(IdT::Parse(std::string(items[i].as_string())), field));
    out.push_back(std::move(id));
  }
  return out;
}

}  // namespace

Result<UtilizationTable> UtilizationTable::FromToml(std::string_view text,
                                                    std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(std::string(e.description()), Where(source_name, e.source()));
  }
  UtilizationTable table;
  std::set<std::string> seen_models;
  for (const auto& [key, node] : root) {
    if (key.str() != "family") {
      return InvalidArgument("unknown key \"" + std::string(key.str()) + "\" (accepted: family)",
                             Where(source_name, node.source()));
    }
  }
  const toml::array* families = root["family"].as_array();
  if (!families) return InvalidArgument("expected [[family]] tables", std::string(source_name));
  for (size_t i = 0; i < families->size(); ++i) {
    const toml::table* f = (*families)[i].as_table();
    const std::string path = "family[" + std::to_string(i) + "]";
    if (!f) return InvalidArgument(path + ": expected a table", std::string(source_name));
    const std::string at = Where(source_name, f->source());
    for (const auto& [key, node] : *f) {
      const std::string_view k = key.str();
      if (k != "id" && k != "models" && k != "mfu" && k != "source") {
        return InvalidArgument(
            path + ": unknown key \"" + std::string(k) + "\" (accepted: id, models, mfu, source)",
            Where(source_name, node.source()));
      }
    }
    UtilizationFactor factor;
    std::optional<std::string> id = (*f)["id"].value<std::string>();
    std::optional<double> mfu = (*f)["mfu"].value<double>();
    std::optional<std::string> source = (*f)["source"].value<std::string>();
    const toml::array* models = (*f)["models"].as_array();
    if (!id || id->empty()) return InvalidArgument(path + ".id: missing or not a string", at);
    if (!mfu) return InvalidArgument(path + ".mfu: missing or not a number", at);
    if (!(*mfu > 0 && *mfu <= 1)) {
      return InvalidArgument(path + ".mfu: must be in (0, 1], got " + std::to_string(*mfu), at);
    }
    if (!source || source->empty()) return InvalidArgument(path + ".source: missing", at);
    if (!models) return InvalidArgument(path + ".models: missing or not an array", at);
    factor.family = *id;
    factor.mfu = *mfu;
    factor.source = *source;
    for (const toml::node& m : *models) {
      std::optional<std::string> name = m.value<std::string>();
      if (!name) return InvalidArgument(path + ".models: expected strings", at);
      Result<ModelId> model = ModelId::Parse(*name);
      if (!model.ok()) return InvalidArgument(path + ".models: " + model.status().message(), at);
      if (!seen_models.insert(*name).second) {
        return InvalidArgument(path + ".models: \"" + *name + "\" is in two families", at);
      }
      factor.models.push_back(*model);
    }
    table.families_.push_back(std::move(factor));
  }
  return table;
}

Result<UtilizationTable> UtilizationTable::Shipped() {
  Result<UtilizationTable> table =
      FromToml(embedded::kModelUtilizationToml, "data/model-utilization.toml");
  if (!table.ok()) return Internal("shipped utilization table: " + table.status().ToString());
  return table;
}

const UtilizationFactor* UtilizationTable::Find(const ModelId& model) const {
  for (const UtilizationFactor& f : families_) {
    for (const ModelId& m : f.models) {
      if (m == model) return &f;
    }
  }
  return nullptr;
}

std::optional<double> DenseBf16Tflops(const catalog::AcceleratorSpec& spec) {
  std::optional<double> best;
  for (const catalog::Throughput& t : spec.throughputs) {
    if (t.bits != 16 || t.format.find("bf16") == std::string::npos) continue;
    const double total = t.tops * t.unit_count;
    if (!best || total > *best) best = total;
  }
  return best;
}

std::string_view QuoteOrderName(QuoteOrder order) {
  return order == QuoteOrder::kSoonest ? "soonest" : "cheapest";
}

Result<QuoteRequest> QuoteRequestFromJson(const json::object& body, Instant now) {
  static constexpr std::string_view kKeys[] = {
      "tenant",       "training_flop", "gpu_hours", "reference",  "gpus",
      "accelerators", "sites",         "earliest",  "latest_end", "max_price",
      "mfu",          "scope",         "by"};
  for (const auto& entry : body) {
    bool known = false;
    for (std::string_view k : kKeys) known = known || entry.key() == k;
    if (!known) {
      std::string list;
      for (std::string_view k : kKeys) list += (list.empty() ? "" : ", ") + std::string(k);
      return InvalidArgument("unknown field (accepted: " + list + ")", std::string(entry.key()));
    }
  }
  QuoteRequest r;
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> tenant, OptString(body, "tenant"));
  if (!tenant) return InvalidArgument("missing required field", "tenant");
  STRAITS_ASSIGN_OR_RETURN(r.tenant, Field(OrgId::Parse(*tenant), "tenant"));
  STRAITS_ASSIGN_OR_RETURN(r.training_flop, OptionalNumber(body, "training_flop"));
  STRAITS_ASSIGN_OR_RETURN(r.gpu_hours, OptionalNumber(body, "gpu_hours"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> reference, OptString(body, "reference"));
  if (reference) {
    STRAITS_ASSIGN_OR_RETURN(r.reference, Field(ModelId::Parse(*reference), "reference"));
  }
  if (r.training_flop.has_value() == r.gpu_hours.has_value()) {
    return InvalidArgument(
        "describe the job by training_flop (e.g. 3e24) or by gpu_hours with a reference "
        "accelerator, one of the two",
        "training_flop");
  }
  if (r.training_flop && *r.training_flop <= 0) {
    return InvalidArgument("must be greater than 0", "training_flop");
  }
  if (r.gpu_hours) {
    if (*r.gpu_hours <= 0) return InvalidArgument("must be greater than 0", "gpu_hours");
    if (!r.reference) {
      return InvalidArgument("gpu_hours needs the reference accelerator they were measured on",
                             "reference");
    }
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<double> gpus, OptionalNumber(body, "gpus"));
  if (gpus) {
    if (*gpus < 1 || *gpus > 1'000'000 || std::floor(*gpus) != *gpus) {
      return InvalidArgument("must be a whole number from 1 to 1000000", "gpus");
    }
    r.gpus = static_cast<int64_t>(*gpus);
  }
  STRAITS_ASSIGN_OR_RETURN(r.models, IdList<ModelId>(body, "accelerators"));
  STRAITS_ASSIGN_OR_RETURN(r.sites, IdList<SiteId>(body, "sites"));
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> earliest, OptString(body, "earliest"));
  r.earliest = now;
  if (earliest) {
    STRAITS_ASSIGN_OR_RETURN(r.earliest, Field(Instant::Parse(*earliest), "earliest"));
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> latest, OptString(body, "latest_end"));
  if (latest) {
    STRAITS_ASSIGN_OR_RETURN(Instant t, Field(Instant::Parse(*latest), "latest_end"));
    if (t <= r.earliest) return InvalidArgument("must be after earliest", "latest_end");
    r.latest_end = t;
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> price, OptString(body, "max_price"));
  if (price) {
    STRAITS_ASSIGN_OR_RETURN(Money cap, Field(Money::Parse(*price), "max_price"));
    if (cap.minor_units() < 0) return InvalidArgument("must not be negative", "max_price");
    r.max_price = cap;
  }
  STRAITS_ASSIGN_OR_RETURN(r.mfu, OptionalNumber(body, "mfu"));
  if (r.mfu && !(*r.mfu > 0 && *r.mfu <= 1)) {
    return InvalidArgument("must be in (0, 1], e.g. 0.4", "mfu");
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> scope, OptString(body, "scope"));
  if (scope) {
    STRAITS_ASSIGN_OR_RETURN(r.scope, Field(placement::ParseScope(*scope), "scope"));
  }
  STRAITS_ASSIGN_OR_RETURN(std::optional<std::string> by, OptString(body, "by"));
  if (by) {
    if (*by == "soonest") {
      r.order = QuoteOrder::kSoonest;
    } else if (*by == "cheapest") {
      r.order = QuoteOrder::kCheapest;
    } else {
      return InvalidArgument("unknown order \"" + *by + "\" (accepted: soonest, cheapest)", "by");
    }
  }
  return r;
}

void SortOptions(std::vector<QuoteOption>& options, QuoteOrder order) {
  auto key_time = [](const QuoteOption& o) {
    return o.end ? o.end->unix_seconds() : std::numeric_limits<int64_t>::max();
  };
  auto key_price = [](const QuoteOption& o) {
    return o.total_usd ? o.total_usd->minor_units() : std::numeric_limits<int64_t>::max();
  };
  std::stable_sort(options.begin(), options.end(), [&](const QuoteOption& a, const QuoteOption& b) {
    if (a.available() != b.available()) return a.available();
    if (order == QuoteOrder::kSoonest) {
      if (key_time(a) != key_time(b)) return key_time(a) < key_time(b);
      if (key_price(a) != key_price(b)) return key_price(a) < key_price(b);
    } else {
      if (key_price(a) != key_price(b)) return key_price(a) < key_price(b);
      if (key_time(a) != key_time(b)) return key_time(a) < key_time(b);
    }
    if (a.site != b.site) return a.site < b.site;
    return a.model < b.model;
  });
}

json::object QuoteResultToJson(const QuoteResult& result) {
  json::array options;
  for (const QuoteOption& o : result.options) {
    json::object opt{{"site", o.site.str()},
                     {"model", o.model.str()},
                     {"gpus", o.gpus},
                     {"bf16_tflops_per_gpu", o.bf16_tflops},
                     {"mfu", o.mfu},
                     {"mfu_source", o.mfu_source},
                     {"time_to_train", o.time_to_train.ToString()},
                     {"time_to_train_hours", o.time_to_train.seconds() / 3600},
                     {"verdict", policy::VerdictName(o.verdict)},
                     {"available", o.available()}};
    opt["start"] = o.start ? json::value(o.start->ToString()) : json::value(nullptr);
    opt["end"] = o.end ? json::value(o.end->ToString()) : json::value(nullptr);
    opt["price_per_gpu_hour"] =
        o.price_per_gpu_hour ? json::value(o.price_per_gpu_hour->ToString()) : json::value(nullptr);
    opt["total"] = o.total ? json::value(o.total->ToString()) : json::value(nullptr);
    opt["total_usd"] = o.total_usd ? json::value(o.total_usd->ToString()) : json::value(nullptr);
    json::array reasons;
    for (const std::string& r : o.reasons) reasons.emplace_back(r);
    opt["reasons"] = std::move(reasons);
    opt["unavailable"] = o.unavailable.empty() ? json::value(nullptr) : json::value(o.unavailable);
    options.push_back(std::move(opt));
  }
  return {{"training_flop", result.training_flop},
          {"by", QuoteOrderName(result.order)},
          {"assumption", result.assumption},
          {"options", std::move(options)}};
}

}  // namespace straits::lease

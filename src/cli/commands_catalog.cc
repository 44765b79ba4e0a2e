// `straits classify` and `straits accelerators list`.
#include <boost/json.hpp>
#include <cstdio>

#include "catalog/classify.h"
#include "catalog/json.h"
#include "catalog/shipped.h"
#include "catalog/spec_toml.h"
#include "catalog/tpp.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/table.h"
#include "core/clock.h"

namespace straits::cli {
namespace {

struct ClassifyFlags {
  std::string model;
  std::string spec_file;
  std::string date;
  std::vector<std::string> regimes;
  bool json = false;
};

Result<Instant> DateOrToday(const std::string& text, std::string_view flag) {
  if (text.empty()) return SystemClock().Now();
  Result<Instant> date = Instant::Parse(text);
  if (!date.ok()) return InvalidArgument(date.status().message(), std::string(flag));
  return date;
}

std::string Number(std::optional<double> value, int decimals) {
  if (!value) return "unknown";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *value);
  return buf;
}

Status Classify(const ClassifyFlags& flags) {
  if (flags.model.empty() == flags.spec_file.empty()) {
    return InvalidArgument("give either MODEL_ID or --spec FILE (one of them)", "MODEL_ID");
  }
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateOrToday(flags.date, "--date"));
  STRAITS_ASSIGN_OR_RETURN(std::vector<catalog::ClassificationRegime> regimes,
                           catalog::LoadShippedRegimes());
  catalog::AcceleratorSpec spec;
  if (!flags.spec_file.empty()) {
    STRAITS_ASSIGN_OR_RETURN(std::string text, ReadFile(flags.spec_file));
    STRAITS_ASSIGN_OR_RETURN(spec, catalog::ParseSpecToml(text, flags.spec_file));
  } else {
    STRAITS_ASSIGN_OR_RETURN(catalog::Catalog models, catalog::LoadShippedCatalog());
    Result<ModelId> id = ModelId::Parse(flags.model);
    const catalog::AcceleratorSpec* found = id.ok() ? models.Find(*id) : nullptr;
    if (!found) {
      return NotFound(
          "no accelerator model \"" + flags.model + "\"; `straits accelerators list` shows the ids",
          "MODEL_ID");
    }
    spec = *found;
  }
  Result<catalog::ClassificationReport> report =
      catalog::ClassifyAll(spec, regimes, date, flags.regimes);
  if (!report.ok()) {
    // An unknown --regime is a usage error of this command.
    if (report.status().code() == StatusCode::kNotFound) {
      return InvalidArgument(report.status().message(), "--regime");
    }
    return report.status();
  }
  if (flags.json) {
    std::printf("%s\n", boost::json::serialize(catalog::ReportToJson(*report)).c_str());
    return Status::Ok();
  }
  std::printf("%s (%s %s): TPP %s, performance density %s\n", report->model.c_str(),
              report->vendor.c_str(), report->name.c_str(), Number(report->tpp, 1).c_str(),
              Number(report->performance_density, 2).c_str());
  std::printf("on %s: %s%s%s\n", date.DateString().c_str(),
              std::string(catalog::EccnName(report->eccn)).c_str(),
              report->regime_in_force.empty() ? "" : " under ", report->regime_in_force.c_str());
  Table table({"REGIME", "IN FORCE", "ECCN", "REASON"});
  for (const catalog::Classification& c : report->by_regime) {
    table.AddRow(
        {c.regime_id, c.in_force ? "yes" : "no", std::string(catalog::EccnName(c.eccn)), c.reason});
  }
  table.Print(stdout);
  std::printf("Reference data with sources (docs/classification.md), not legal advice.\n");
  return Status::Ok();
}

Status ListAccelerators(bool json, const std::string& date_text) {
  STRAITS_ASSIGN_OR_RETURN(Instant date, DateOrToday(date_text, "--date"));
  STRAITS_ASSIGN_OR_RETURN(catalog::Catalog models, catalog::LoadShippedCatalog());
  STRAITS_ASSIGN_OR_RETURN(std::vector<catalog::ClassificationRegime> regimes,
                           catalog::LoadShippedRegimes());
  boost::json::array rows;
  for (const catalog::AcceleratorSpec& spec : models.models()) {
    rows.push_back(catalog::SummaryToJson(spec, regimes, date));
  }
  if (json) {
    std::printf("%s\n", boost::json::serialize(rows).c_str());
    return Status::Ok();
  }
  Table table({"ID", "VENDOR", "NAME", "DC", "TPP", "PD", "ECCN", "REGIME"});
  for (const boost::json::value& row : rows) {
    const boost::json::object& r = row.as_object();
    auto number = [&](const char* key, int decimals) {
      const boost::json::value& v = r.at(key);
      return v.is_null() ? std::string("-") : Number(v.to_number<double>(), decimals);
    };
    auto text = [&](const char* key) {
      const boost::json::value* v = r.if_contains(key);
      return v && v->is_string() ? std::string(v->as_string()) : std::string("-");
    };
    table.AddRow({text("id"), text("vendor"), text("name"),
                  r.at("datacenter").is_bool() && r.at("datacenter").as_bool() ? "yes" : "no",
                  number("tpp", 0), number("performance_density", 2), text("eccn"),
                  text("regime")});
  }
  table.Print(stdout);
  std::printf("ECCN as of %s. Reference data with sources, not legal advice.\n",
              date.DateString().c_str());
  return Status::Ok();
}

}  // namespace

void RegisterCatalogCommands(CLI::App& app, GlobalOptions& /*options*/, int& exit_code) {
  auto report = [&exit_code](const Status& s) { exit_code = s.ok() ? kExitOk : ReportError(s); };

  auto flags = std::make_shared<ClassifyFlags>();
  CLI::App* classify = app.add_subcommand(
      "classify",
      "Export classification (ECCN) of an accelerator under each regime, with the "
      "inequalities that decided it");
  classify->add_option("MODEL_ID", flags->model,
                       "Catalog model id, e.g. h20 (see accelerators list)");
  classify->add_option("--spec", flags->spec_file,
                       "Classify a chip described in a TOML spec file (docs/spec-format.md)");
  classify->add_option("--date", flags->date, "UTC date YYYY-MM-DD (default today)");
  classify->add_option("--regime", flags->regimes, "Only this regime id (repeatable)");
  classify->add_flag("--json", flags->json, "Machine-readable JSON");
  classify->callback([report, flags] { report(Classify(*flags)); });

  CLI::App* accelerators = app.add_subcommand("accelerators", "The accelerator catalog");
  accelerators->require_subcommand(1);
  CLI::App* list = accelerators->add_subcommand(
      "list", "Every model with TPP, performance density and the ECCN in force");
  auto json = std::make_shared<bool>(false);
  auto date = std::make_shared<std::string>();
  list->add_flag("--json", *json, "Machine-readable JSON array");
  list->add_option("--date", *date, "ECCN as of this UTC date (default today)");
  list->callback([report, json, date] { report(ListAccelerators(*json, *date)); });
}

}  // namespace straits::cli

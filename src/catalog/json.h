// JSON shapes of the catalog and of classifications, shared by the CLI
// (`straits classify --json`, `straits accelerators list --json`) and the HTTP
// API (`GET /v1/accelerators[/{id}[/classification]]`, `POST /v1/classify`), so
// both print exactly the same keys. Library target straits_catalog_json (the
// only catalog target that links Boost.JSON).
//
//   ReportToJson(report) ->
//     {"model": "h20", "vendor": "Nvidia", "name": "H20 (HGX, 96GB)",
//      "tpp": 2368.0, "performance_density": 2.909, "date": "2024-06-01",
//      "regime_in_force": "us-ear-2023-10", "eccn": "not_3A090", "reason": "...",
//      "by_regime": [{"regime": "us-ear-2022-10", "in_force": false,
//                     "eccn": "not_3A090", "reason": "...", "possible_eccns": [...],
//                     "missing": [], "criteria": [...]}, ...]}
//
// Unknown numbers are null. Full precision is kept; rounding is for display.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <span>

#include "catalog/classify.h"
#include "catalog/regime.h"
#include "catalog/spec.h"
#include "core/status.h"
#include "core/time.h"

namespace straits::catalog {

boost::json::object ReportToJson(const ClassificationReport& report);
boost::json::object ClassificationToJson(const Classification& classification);

// Every field of a catalog entry with its sources, plus the computed "tpp" and
// "performance_density": GET /v1/accelerators/{id}.
boost::json::object SpecToJson(const AcceleratorSpec& spec);

// One row of `accelerators list`: id, vendor, name, datacenter, tpp,
// performance_density, and "eccn" / "regime" in force on `date`.
boost::json::object SummaryToJson(const AcceleratorSpec& spec,
                                  std::span<const ClassificationRegime> regimes, Instant date);

// POST /v1/classify: the spec file's keys as a JSON object (see
// docs/spec-format.md): "model" required, "throughput" a non-empty array of
// {"format", "bits", "tops"} objects, numbers as JSON numbers. Returns
// invalid_argument whose field is the JSON path of the first bad value
// ("throughput[0].tops") for a non-object body, unknown keys, wrong types and
// everything ValidateSpec rejects.
Result<AcceleratorSpec> SpecFromJson(const boost::json::value& body);

}  // namespace straits::catalog

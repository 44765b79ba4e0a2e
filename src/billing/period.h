// Calendar months, calendar quarters and fiscal quarters.
//
// Labels: months "2025-07", calendar quarters "2025-Q3", fiscal quarters
// "FY2026-Q2" named by the calendar year in which the fiscal year ends, and
// "all" for one bucket over the whole range. With a fiscal year starting in
// February, FY2026 runs from 2025-02-01 to 2026-01-31 and FY2026-Q2 is
// May-July 2025. A fiscal year starting in January is the calendar year.
//
// Thread-safety: pure value types and functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"

namespace straits::billing {

struct Month {
  int year = 1970;
  int month = 1;  // 1..12

  // "2026-10"; invalid_argument otherwise.
  static Result<Month> Parse(std::string_view text);
  static Month Of(Instant t);
  Instant Start() const;
  Instant End() const { return Next().Start(); }  // exclusive
  Month Next() const;
  std::string ToString() const;
  friend auto operator<=>(const Month&, const Month&) = default;
};

enum class PeriodKind { kMonth, kQuarter, kFiscalQuarter, kAll };

// "month", "quarter", "fiscal-quarter", "all"; invalid_argument otherwise.
Result<PeriodKind> ParsePeriodKind(std::string_view text);
std::string_view PeriodKindName(PeriodKind kind);

struct PeriodSpec {
  PeriodKind kind = PeriodKind::kQuarter;
  int fiscal_year_start_month = 1;  // 1..12, used by kFiscalQuarter

  // invalid_argument (field "fiscal_year_start") unless 1..12.
  Status Validate() const;
};

// A period as a sortable number plus its label.
struct PeriodKey {
  int64_t ordinal = 0;  // increases with time within one PeriodSpec
  std::string label;
};

// The period of `spec` containing `t`. `spec` must be valid.
PeriodKey PeriodOf(Instant t, const PeriodSpec& spec);
// The ordinal alone (no string); cheap enough for hot loops.
int64_t PeriodOrdinal(Instant t, const PeriodSpec& spec);

}  // namespace straits::billing

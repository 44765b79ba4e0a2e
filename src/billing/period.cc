#include "billing/period.h"

#include <cstdio>

namespace straits::billing {
namespace {

// Days since 1970-01-01 -> civil (H. Hinnant's civil_from_days, also used by core/time.cc).
void CivilFromDays(int64_t z, int& year, int& month) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(y + (m <= 2));
  month = static_cast<int>(m);
}

}  // namespace

Result<Month> Month::Parse(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("\"" + std::string(text) +
                           "\" is not a month: expected YYYY-MM, e.g. \"2026-10\"");
  };
  if (text.size() != 7 || text[4] != '-') return bad();
  int year = 0, month = 0;
  for (size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return bad();
    if (i < 4) year = year * 10 + (text[i] - '0');
    if (i > 4) month = month * 10 + (text[i] - '0');
  }
  if (year < 1 || month < 1 || month > 12) return bad();
  return Month{year, month};
}

Month Month::Of(Instant t) {
  const int64_t s = t.unix_seconds();
  const int64_t days = (s >= 0 ? s : s - 86399) / 86400;
  Month m;
  CivilFromDays(days, m.year, m.month);
  return m;
}

Instant Month::Start() const { return *Instant::FromCivil(year, month, 1); }

Month Month::Next() const { return month == 12 ? Month{year + 1, 1} : Month{year, month + 1}; }

std::string Month::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

Result<PeriodKind> ParsePeriodKind(std::string_view text) {
  if (text == "month") return PeriodKind::kMonth;
  if (text == "quarter") return PeriodKind::kQuarter;
  if (text == "fiscal-quarter") return PeriodKind::kFiscalQuarter;
  if (text == "all") return PeriodKind::kAll;
  return InvalidArgument("unknown period \"" + std::string(text) +
                             "\": expected month, quarter, fiscal-quarter or all",
                         "period");
}

std::string_view PeriodKindName(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::kMonth:
      return "month";
    case PeriodKind::kQuarter:
      return "quarter";
    case PeriodKind::kFiscalQuarter:
      return "fiscal-quarter";
    case PeriodKind::kAll:
      return "all";
  }
  return "all";
}

Status PeriodSpec::Validate() const {
  if (fiscal_year_start_month < 1 || fiscal_year_start_month > 12) {
    return InvalidArgument("fiscal year start month " + std::to_string(fiscal_year_start_month) +
                               " is not a month: expected 1..12",
                           "fiscal_year_start");
  }
  return Status::Ok();
}

int64_t PeriodOrdinal(Instant t, const PeriodSpec& spec) {
  const Month m = Month::Of(t);
  const int64_t months = static_cast<int64_t>(m.year) * 12 + (m.month - 1);
  switch (spec.kind) {
    case PeriodKind::kMonth:
      return months;
    case PeriodKind::kQuarter:
      return months / 3;
    case PeriodKind::kFiscalQuarter:
      // Whole quarters counted from a fiscal-year start month.
      return (months - (spec.fiscal_year_start_month - 1)) / 3;
    case PeriodKind::kAll:
      return 0;
  }
  return 0;
}

PeriodKey PeriodOf(Instant t, const PeriodSpec& spec) {
  const Month m = Month::Of(t);
  PeriodKey key{PeriodOrdinal(t, spec), ""};
  char buf[32];
  switch (spec.kind) {
    case PeriodKind::kMonth:
      key.label = m.ToString();
      break;
    case PeriodKind::kQuarter:
      std::snprintf(buf, sizeof buf, "%04d-Q%d", m.year, (m.month - 1) / 3 + 1);
      key.label = buf;
      break;
    case PeriodKind::kFiscalQuarter: {
      const int start = spec.fiscal_year_start_month;
      const int into_year = (m.month - start + 12) % 12;  // months since the fiscal year began
      const int start_year = m.month >= start ? m.year : m.year - 1;
      // A fiscal year starting in January ends in the same calendar year.
      const int end_year = start == 1 ? start_year : start_year + 1;
      std::snprintf(buf, sizeof buf, "FY%04d-Q%d", end_year, into_year / 3 + 1);
      key.label = buf;
      break;
    }
    case PeriodKind::kAll:
      key.label = "all";
      break;
  }
  return key;
}

}  // namespace straits::billing

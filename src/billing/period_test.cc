#include "billing/period.h"

#include <gtest/gtest.h>

namespace straits::billing {
namespace {

Instant At(const char* text) { return *Instant::Parse(text); }

TEST(Month, ParsesAndSteps) {
  Month m = *Month::Parse("2026-10");
  EXPECT_EQ(m.ToString(), "2026-10");
  EXPECT_EQ(m.Start(), At("2026-10-01"));
  EXPECT_EQ(m.End(), At("2026-11-01"));
  EXPECT_EQ(Month::Parse("2026-12")->Next().ToString(), "2027-01");
  EXPECT_EQ(Month::Of(At("2024-02-29T23:59:59Z")).ToString(), "2024-02");
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "26-10", "2026/10", ""}) {
    EXPECT_EQ(Month::Parse(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PeriodOf, NamesMonthsQuartersAndFiscalQuarters) {
  struct Case {
    const char* date;
    PeriodKind kind;
    int fy_start;
    const char* want;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"2025-07-15", PeriodKind::kMonth, 1, "2025-07"},
           {"2025-07-15", PeriodKind::kQuarter, 1, "2025-Q3"},
           {"2025-12-31", PeriodKind::kQuarter, 1, "2025-Q4"},
           // A fiscal year starting in February ends in January: FY2026 = Feb 2025..Jan 2026.
           {"2025-02-01", PeriodKind::kFiscalQuarter, 2, "FY2026-Q1"},
           {"2025-04-30", PeriodKind::kFiscalQuarter, 2, "FY2026-Q1"},
           {"2025-05-01", PeriodKind::kFiscalQuarter, 2, "FY2026-Q2"},
           {"2025-07-31", PeriodKind::kFiscalQuarter, 2, "FY2026-Q2"},
           {"2025-10-26", PeriodKind::kFiscalQuarter, 2, "FY2026-Q3"},
           {"2026-01-25", PeriodKind::kFiscalQuarter, 2, "FY2026-Q4"},
           {"2026-02-01", PeriodKind::kFiscalQuarter, 2, "FY2027-Q1"},
           {"2025-03-15", PeriodKind::kFiscalQuarter, 1, "FY2025-Q1"},
           {"2025-09-30", PeriodKind::kFiscalQuarter, 10, "FY2025-Q4"},
           {"2025-10-01", PeriodKind::kFiscalQuarter, 10, "FY2026-Q1"},
           {"2025-10-01", PeriodKind::kAll, 1, "all"},
       }) {
    PeriodSpec spec{c.kind, c.fy_start};
    EXPECT_EQ(PeriodOf(At(c.date), spec).label, c.want) << c.date;
  }
}

TEST(PeriodOf, OrdinalsIncreaseAndGroupTheSameQuarter) {
  PeriodSpec fiscal{PeriodKind::kFiscalQuarter, 2};
  EXPECT_EQ(PeriodOrdinal(At("2025-05-01"), fiscal), PeriodOrdinal(At("2025-07-31"), fiscal));
  EXPECT_LT(PeriodOrdinal(At("2025-04-30"), fiscal), PeriodOrdinal(At("2025-05-01"), fiscal));
  EXPECT_LT(PeriodOrdinal(At("2026-01-31"), fiscal), PeriodOrdinal(At("2026-02-01"), fiscal));
}

TEST(PeriodSpec, ValidatesFiscalStartAndKinds) {
  EXPECT_EQ((PeriodSpec{PeriodKind::kFiscalQuarter, 13}).Validate().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE((PeriodSpec{PeriodKind::kFiscalQuarter, 12}).Validate().ok());
  EXPECT_EQ(*ParsePeriodKind("fiscal-quarter"), PeriodKind::kFiscalQuarter);
  EXPECT_EQ(ParsePeriodKind("year").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace straits::billing

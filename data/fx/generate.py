#!/usr/bin/env python3
"""Writes data/fx/usd-rates.csv: weekly (Monday) units of currency per US dollar.

The values are ILLUSTRATIVE: a straight line between rounded approximations of
where each currency stood against the dollar at a few anchor months. They are
good enough to exercise conversion and reports, and are not reference rates.
For real books, replace this file with your treasury's rates (same header:
date,currency,per_usd), e.g. an export of a central bank's daily reference rates.
"""
import datetime
import pathlib

# currency -> digits kept, anchors (month -> per_usd)
ANCHORS = {
    "AED": (4, {"2025-01": 3.6725, "2026-12": 3.6725}),
    "AUD": (4, {"2025-01": 1.60, "2025-07": 1.53, "2026-01": 1.51, "2026-07": 1.50, "2026-12": 1.50}),
    "CAD": (4, {"2025-01": 1.43, "2025-07": 1.37, "2026-01": 1.39, "2026-07": 1.38, "2026-12": 1.37}),
    "CHF": (4, {"2025-01": 0.905, "2025-07": 0.80, "2026-01": 0.80, "2026-07": 0.81, "2026-12": 0.82}),
    "CNY": (4, {"2025-01": 7.30, "2025-07": 7.17, "2026-01": 7.10, "2026-07": 7.05, "2026-12": 7.02}),
    "EUR": (4, {"2025-01": 0.965, "2025-07": 0.855, "2026-01": 0.855, "2026-07": 0.86, "2026-12": 0.87}),
    "GBP": (4, {"2025-01": 0.805, "2025-07": 0.735, "2026-01": 0.745, "2026-07": 0.75, "2026-12": 0.755}),
    "HKD": (4, {"2025-01": 7.79, "2025-07": 7.85, "2026-01": 7.78, "2026-07": 7.79, "2026-12": 7.80}),
    "IDR": (0, {"2025-01": 16200, "2025-07": 16300, "2026-01": 16500, "2026-07": 16450, "2026-12": 16400}),
    "INR": (2, {"2025-01": 86.2, "2025-07": 85.8, "2026-01": 88.5, "2026-07": 89.0, "2026-12": 89.5}),
    "JPY": (2, {"2025-01": 156.5, "2025-07": 146.0, "2026-01": 152.0, "2026-07": 150.0, "2026-12": 149.0}),
    "KRW": (1, {"2025-01": 1450, "2025-07": 1370, "2026-01": 1420, "2026-07": 1400, "2026-12": 1390}),
    "MYR": (4, {"2025-01": 4.47, "2025-07": 4.22, "2026-01": 4.20, "2026-07": 4.15, "2026-12": 4.12}),
    "SAR": (4, {"2025-01": 3.75, "2026-12": 3.75}),
    "SGD": (4, {"2025-01": 1.365, "2025-07": 1.275, "2026-01": 1.285, "2026-07": 1.29, "2026-12": 1.30}),
    "THB": (3, {"2025-01": 34.2, "2025-07": 32.6, "2026-01": 32.0, "2026-07": 32.2, "2026-12": 32.4}),
    "TWD": (3, {"2025-01": 32.8, "2025-07": 29.4, "2026-01": 31.0, "2026-07": 30.8, "2026-12": 30.6}),
    "VND": (0, {"2025-01": 25300, "2025-07": 26100, "2026-01": 26300, "2026-07": 26400, "2026-12": 26500}),
}


def anchor_day(month):
    y, m = map(int, month.split("-"))
    return datetime.date(y, m, 15)


def rate_on(day, anchors):
    points = sorted((anchor_day(k), v) for k, v in anchors.items())
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:]):
        if day <= d1:
            f = (day - d0).days / (d1 - d0).days
            return v0 + (v1 - v0) * f
    return points[-1][1]


def main():
    out = pathlib.Path(__file__).with_name("usd-rates.csv")
    lines = [
        "# ILLUSTRATIVE weekly rates, units of currency per 1 USD, Mondays 2024-12-30..2027-01-04.",
        "# Interpolated between rounded approximations (see generate.py); not reference rates.",
        "# Replace with your own rates for real books: same header, one row per date and currency.",
        "date,currency,per_usd",
    ]
    day = datetime.date(2024, 12, 30)
    while day <= datetime.date(2027, 1, 4):
        for code, (digits, anchors) in sorted(ANCHORS.items()):
            value = round(rate_on(day, anchors), digits)
            text = f"{value:.{digits}f}" if digits else str(int(value))
            lines.append(f"{day.isoformat()},{code},{text}")
        day += datetime.timedelta(days=7)
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

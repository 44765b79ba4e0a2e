#!/usr/bin/env python3
"""Writes data/demo/vendor-ledger.csv: a SYNTHETIC sales ledger of a chip vendor.

The invoices are invented. Their totals are built to match the shares a chip
vendor published for its fiscal 2026 (fiscal year ending in late January,
modelled here as February..January):
  * Q1 FY2026 (Feb-Apr 2025): revenue USD 44.062 bn, 20% billed to Singapore;
  * Q2 FY2026 (May-Jul 2025): revenue USD 46.743 bn, 22% billed to Singapore;
    in both, 99.2% of the Singapore-billed revenue is from US-headquartered
    customers (the vendor said "over 99%");
  * Q3 FY2026 (Aug-Oct 2025): revenue USD 57.006 bn, by customer headquarters
    US 39.0, Taiwan 14.0, China 3.0, other 1.006 (bn).
docs/billing.md shows `report revenue` reproducing these shares.
"""
import pathlib

BN = 100_000_000_000  # minor units (cents) per USD bn

# name -> (hq, parent)
CUSTOMERS = {
    "Hyperscaler A": ("US", "US"),
    "Hyperscaler B": ("US", "US"),
    "Hyperscaler C": ("US", "US"),
    "Cloud D": ("US", "US"),
    "AI Lab E": ("US", "US"),
    "ODM Taipei 1": ("TW", "TW"),
    "ODM Taipei 2": ("TW", "TW"),
    "Internet CN 1": ("CN", "CN"),
    "Internet CN 2": ("CN", "CN"),
    "SG Cloud": ("SG", "SG"),
    "JP Telco": ("JP", "JP"),
    "DE Industrial": ("DE", "DE"),
    "KR Chipmaker": ("KR", "KR"),
    "IN Cloud": ("IN", "JP"),
}

# quarter months -> [(customer, billing, ship_to, amount in cents)]
QUARTERS = [
    ((2025, 2), [
        ("Hyperscaler A", "SG", "TW", 400_000_000_000), ("Hyperscaler B", "SG", "TW", 250_000_000_000),
        ("AI Lab E", "SG", "MY", 224_190_080_000), ("SG Cloud", "SG", "SG", 7_049_920_000),
        ("Hyperscaler A", "US", "US", 600_000_000_000), ("Hyperscaler B", "US", "MX", 500_000_000_000),
        ("Hyperscaler C", "US", "US", 500_000_000_000), ("Cloud D", "US", "US", 300_000_000_000),
        ("ODM Taipei 1", "TW", "TW", 400_000_000_000), ("ODM Taipei 2", "TW", "TW", 300_000_000_000),
        ("Internet CN 1", "CN", "CN", 300_000_000_000), ("Internet CN 2", "HK", "CN", 250_000_000_000),
        ("JP Telco", "JP", "JP", 120_000_000_000), ("DE Industrial", "DE", "DE", 90_000_000_000),
        ("KR Chipmaker", "KR", "KR", 80_000_000_000), ("IN Cloud", "IN", "IN", 84_960_000_000),
    ]),
    ((2025, 5), [
        ("Hyperscaler A", "SG", "TW", 500_000_000_000), ("Hyperscaler B", "SG", "TW", 300_000_000_000),
        ("AI Lab E", "SG", "MY", 220_119_232_000), ("SG Cloud", "SG", "SG", 8_226_768_000),
        ("Hyperscaler A", "US", "US", 700_000_000_000), ("Hyperscaler B", "US", "MX", 550_000_000_000),
        ("Hyperscaler C", "US", "US", 550_000_000_000), ("Cloud D", "US", "US", 350_000_000_000),
        ("ODM Taipei 1", "TW", "TW", 500_000_000_000), ("ODM Taipei 2", "TW", "TW", 350_000_000_000),
        ("Internet CN 1", "CN", "CN", 160_000_000_000), ("Internet CN 2", "HK", "CN", 120_000_000_000),
        ("JP Telco", "JP", "JP", 110_000_000_000), ("DE Industrial", "DE", "DE", 90_000_000_000),
        ("KR Chipmaker", "KR", "KR", 80_000_000_000), ("IN Cloud", "IN", "IN", 85_954_000_000),
    ]),
    ((2025, 8), [
        ("Hyperscaler A", "SG", "TW", 600_000_000_000), ("Hyperscaler B", "SG", "TW", 400_000_000_000),
        ("AI Lab E", "SG", "MY", 300_000_000_000), ("SG Cloud", "SG", "SG", 10_000_000_000),
        ("Hyperscaler A", "US", "US", 900_000_000_000), ("Hyperscaler B", "US", "MX", 700_000_000_000),
        ("Hyperscaler C", "US", "US", 600_000_000_000), ("Cloud D", "US", "US", 400_000_000_000),
        ("ODM Taipei 1", "TW", "TW", 800_000_000_000), ("ODM Taipei 2", "TW", "TW", 600_000_000_000),
        ("Internet CN 1", "CN", "CN", 180_000_000_000), ("Internet CN 2", "HK", "CN", 120_000_000_000),
        ("JP Telco", "JP", "JP", 35_000_000_000), ("DE Industrial", "DE", "DE", 25_000_000_000),
        ("KR Chipmaker", "KR", "KR", 20_000_000_000), ("IN Cloud", "IN", "IN", 10_600_000_000),
    ]),
]
TOTALS = [4_406_200_000_000, 4_674_300_000_000, 5_700_600_000_000]
# Six invoices a quarter per customer and billing entity: the 10th and 24th of each month.
WEIGHTS = [15, 17, 16, 18, 16, 18]


def main():
    rows = ["invoice_id,date,customer,billing_country,hq_country,ship_to_country,parent_country,"
            "amount,currency,memo"]
    seq = 0
    for ((year, month), allocations), total in zip(QUARTERS, TOTALS):
        assert sum(a for *_, a in allocations) == total, (year, month)
        for customer, billing, ship_to, amount in allocations:
            hq, parent = CUSTOMERS[customer]
            parts = [amount * w // sum(WEIGHTS) for w in WEIGHTS]
            parts[-1] += amount - sum(parts)
            for k, part in enumerate(parts):
                m = month + k // 2
                day = 10 if k % 2 == 0 else 24
                seq += 1
                memo = "data-center systems" if k % 3 else "\"networking, systems\""
                rows.append(f"V25-{seq:05d},{year}-{m:02d}-{day:02d},{customer},{billing},{hq},"
                            f"{ship_to},{parent},{part // 100}.{part % 100:02d},USD,{memo}")
    out = pathlib.Path(__file__).resolve().parents[2] / "data" / "demo" / "vendor-ledger.csv"
    out.write_text("# SYNTHETIC vendor sales ledger; see bench/billing/make_vendor_ledger.py.\n" +
                   "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

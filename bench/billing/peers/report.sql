-- The attribution report of bench_billing, in SQL, over the tables it dumps.
-- Same rules as the engine: a record counts in the bucket (month, or part of a
-- month with one price) of its start; one line per lease, month and price;
-- amount = round_half_even(GPU-seconds x price x (10000 - discount bp) / 3600 / 10000);
-- converted to USD at the invoice date (num/den, the exact reduced rate) and
-- rounded half-to-even once per line; grouped by quarter of the invoice date.
-- {IDIV} is integer division: "//" in DuckDB, "/" in SQLite.
WITH agg AS (
  SELECT u.lease, d.bucket, d.month, SUM(u.gs) AS gs
  FROM usage u JOIN day_bucket d ON d.day = (u.start - 1735689600) {IDIV} 86400
  GROUP BY u.lease, d.bucket, d.month
),
lines AS (
  SELECT a.lease, a.month, r.entry, l.currency, SUM(a.gs) * r.price * (10000 - l.bp) AS n
  FROM agg a
  JOIN leases l ON l.lease = a.lease
  JOIN rates r ON r.site = l.site AND r.model = l.model AND r.bucket = a.bucket
  GROUP BY a.lease, a.month, r.entry, r.price, l.bp, l.currency
),
local_amounts AS (
  SELECT lease, month, currency,
         n {IDIV} 36000000 + CASE WHEN (n % 36000000) * 2 > 36000000
                                    OR ((n % 36000000) * 2 = 36000000 AND (n {IDIV} 36000000) % 2 = 1)
                               THEN 1 ELSE 0 END AS amount
  FROM lines
),
usd AS (
  SELECT x.lease, f.quarter, x.amount * f.num AS n, f.den AS d
  FROM local_amounts x JOIN fx f ON f.currency = x.currency AND f.month = x.month
),
facts AS (
  SELECT u.quarter, l.billing, l.hq, l.parent, l.site_country, l.operator,
         n {IDIV} d + CASE WHEN (n % d) * 2 > d OR ((n % d) * 2 = d AND (n {IDIV} d) % 2 = 1)
                         THEN 1 ELSE 0 END AS amount
  FROM usd u JOIN leases l ON l.lease = u.lease
)
SELECT 'billing' AS method, quarter AS period, billing AS key, SUM(amount) AS amount_minor
  FROM facts GROUP BY quarter, billing
UNION ALL SELECT 'hq', quarter, hq, SUM(amount) FROM facts GROUP BY quarter, hq
UNION ALL SELECT 'parent', quarter, parent, SUM(amount) FROM facts GROUP BY quarter, parent
UNION ALL SELECT 'site', quarter, site_country, SUM(amount) FROM facts GROUP BY quarter, site_country
UNION ALL SELECT 'operator', quarter, operator, SUM(amount) FROM facts GROUP BY quarter, operator
ORDER BY 1, 2, 3;

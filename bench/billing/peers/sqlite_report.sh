#!/usr/bin/env bash
# Runs report.sql in sqlite3 over the tables bench_billing dumped into DIR and
# checks the numbers against DIR/expected.csv.
#   bench/billing/peers/sqlite_report.sh DIR [runs]
set -euo pipefail
dir=$1
runs=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
db=$dir/report.sqlite
sql=$(sed 's|{IDIV}|/|g' "$here/report.sql")
if [[ ! -f $db ]]; then
  start=$(date +%s.%N)
  sqlite3 "$db" > /dev/null <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE usage (lease INTEGER, start INTEGER, gs INTEGER);
CREATE TABLE leases (lease INTEGER PRIMARY KEY, site INTEGER, model INTEGER, bp INTEGER,
                     currency TEXT, billing TEXT, hq TEXT, parent TEXT, site_country TEXT,
                     operator TEXT);
CREATE TABLE day_bucket (day INTEGER PRIMARY KEY, bucket INTEGER, month INTEGER);
CREATE TABLE rates (site INTEGER, model INTEGER, bucket INTEGER, entry INTEGER, price INTEGER,
                    PRIMARY KEY (site, model, bucket));
CREATE TABLE fx (currency TEXT, month INTEGER, num INTEGER, den INTEGER, quarter TEXT,
                 PRIMARY KEY (currency, month));
.import --csv --skip 1 $dir/usage.csv usage
.import --csv --skip 1 $dir/leases.csv leases
.import --csv --skip 1 $dir/day_bucket.csv day_bucket
.import --csv --skip 1 $dir/rates.csv rates
.import --csv --skip 1 $dir/fx.csv fx
SQL
  echo "sqlite load: $(echo "$(date +%s.%N) - $start" | bc) s"
fi
for run in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  echo "$sql" | sqlite3 -csv "$db" > "$dir/sqlite_result.csv"
  echo "sqlite report run $run: $(echo "$(date +%s.%N) - $start" | bc) s"
done
node "$here/compare.js" "$dir/sqlite_result.csv" "$dir/expected.csv"

// Runs report.sql in DuckDB (npm @duckdb/node-api) over the tables bench_billing
// dumped into DIR, and checks the numbers against DIR/expected.csv.
//   node duckdb_report.js DIR [runs]
// Install once: npm install --prefix build/billing-peers @duckdb/node-api
const fs = require('fs');
const path = require('path');
const { DuckDBInstance } = require('@duckdb/node-api');
const { compare } = require('./compare');

async function main() {
  const dir = process.argv[2];
  const runs = Number(process.argv[3] || 5);
  const dbFile = path.join(dir, 'report.duckdb');
  const sql = fs.readFileSync(path.join(__dirname, 'report.sql'), 'utf8').replaceAll('{IDIV}', '//');
  if (!fs.existsSync(dbFile)) {
    const db = await DuckDBInstance.create(dbFile);
    const c = await db.connect();
    const t0 = Date.now();
    await c.run(`CREATE TABLE usage AS SELECT * FROM read_csv('${dir}/usage.csv', header = true,
                 columns = {'lease': 'INTEGER', 'start': 'BIGINT', 'gs': 'BIGINT'})`);
    for (const t of ['leases', 'day_bucket', 'rates', 'fx']) {
      await c.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv_auto('${dir}/${t}.csv', header = true)`);
    }
    console.log(`duckdb load: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    c.closeSync();
  }
  // Cold: a fresh instance on the database file.
  const db = await DuckDBInstance.create(dbFile);
  const c = await db.connect();
  let t0 = process.hrtime.bigint();
  let reader = await c.runAndReadAll(sql);
  const cold = Number(process.hrtime.bigint() - t0) / 1e9;
  const rows = reader.getRows().map((r) => [String(r[0]), String(r[1]), String(r[2]), String(r[3])]);
  const hot = [];
  for (let i = 0; i < runs; ++i) {
    t0 = process.hrtime.bigint();
    await c.runAndReadAll(sql);
    hot.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  hot.sort((a, b) => a - b);
  console.log(`duckdb report: cold ${cold.toFixed(3)} s, hot median ${hot[hot.length >> 1].toFixed(3)} s ` +
              `(min ${hot[0].toFixed(3)}), threads ${(await c.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0]}`);
  console.log(compare(rows, path.join(dir, 'expected.csv')));
}

main().catch((e) => { console.error(e); process.exit(1); });

// Compares report rows [method, period, key, amount_minor] with expected.csv.
const fs = require('fs');

function compare(rows, expectedFile) {
  const want = new Map();
  for (const line of fs.readFileSync(expectedFile, 'utf8').trim().split('\n').slice(1)) {
    const [m, p, k, a] = line.split(',');
    want.set(`${m},${p},${k}`, a);
  }
  let mismatches = 0;
  for (const [m, p, k, a] of rows) {
    if (want.get(`${m},${p},${k}`) !== a) mismatches++;
    want.delete(`${m},${p},${k}`);
  }
  mismatches += want.size;
  return mismatches === 0 ? `identical numbers: ${rows.length} groups match expected.csv`
                          : `MISMATCH: ${mismatches} groups differ from expected.csv`;
}

module.exports = { compare };
if (require.main === module) {
  const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(','));
  console.log(compare(rows, process.argv[3]));
}

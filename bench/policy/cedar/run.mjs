// Cedar peer of bench_policy: evaluates the same request mix (dumped by
// `bench_policy --dump-requests FILE`) under a Cedar policy set equivalent to
// the shipped packs in force by date, checks that every decision (verdict and
// fired rules) matches Straits', and reports decisions per second.
//
//   node run.mjs /tmp/requests.json [seconds]
//
// Encoding. Cedar has no dates, decimals, three-valued logic or ECCN
// classification, so: dates are yyyymmdd Longs; TPP, performance density and
// bandwidths are scaled Longs (x10, x1000, x10); the 3A090 thresholds of each
// pack are written out as conditions; country-group memberships are
// attributes of Country entities (from/until per group); each rule is a
// `permit` policy whose id is "pack/rule", so Cedar's diagnostics list the
// rules that fired and the verdict is the strictest of their verdicts. The mix
// uses only models whose numbers are all known (no unknown facts).
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

const [, , requestsPath, secondsArg] = process.argv;
const seconds = Number(secondsArg ?? 5);
const data = JSON.parse(readFileSync(requestsPath, 'utf8'));

const FAR = 99999999;
const day = (text) => (text ? Number(text.replaceAll('-', '')) : null);
const scaled = (value, factor) => (value == null ? 0 : Math.floor(value * factor + 1e-6));

// Country entities: one from/until pair per group used by the policies.
const groupKeys = {
  'us-ear-2023-10': { 'A:5': 'a5', 'A:6': 'a6', 'D:1': 'd1', 'D:4': 'd4', 'D:5': 'd5' },
  'us-ear-2022-10': { destinations: 'dst22' },
  'us-ear-2025-04-h20': { china: 'cn' },
};
const countries = new Map();
const countryAttrs = (code) => {
  if (!countries.has(code)) {
    const attrs = {};
    for (const keys of Object.values(groupKeys)) {
      for (const key of Object.values(keys)) {
        attrs[`${key}f`] = FAR;
        attrs[`${key}u`] = FAR;
      }
    }
    countries.set(code, attrs);
  }
  return countries.get(code);
};
for (const m of data.groups) {
  const key = groupKeys[m.pack]?.[m.group];
  if (!key) continue;
  const attrs = countryAttrs(m.country);
  attrs[`${key}f`] = day(m.from) ?? 0;
  attrs[`${key}u`] = day(m.until) ?? FAR;
}

const items = new Map();
for (const item of data.items) {
  items.set(item.model, {
    tpp10: scaled(item.tpp, 10),
    pd1000: scaled(item.pd, 1000),
    mem10: scaled(item.memory_bandwidth_gbps, 10),
    ic10: scaled(item.interconnect_gbps, 10),
    io10: scaled(item.io_bidir_gbps, 10),
    dc: item.datacenter,
    origin: item.origin ?? '',
  });
}

// ---- the policy set ----------------------------------------------------
const inG = (c, g) => `(${c}.${g}f <= context.date && context.date < ${c}.${g}u)`;
const is = (c, code) => `${c} == Country::"${code}"`;
const A23 = '(resource.tpp10 >= 48000 || (resource.dc && resource.tpp10 >= 16000 && resource.pd1000 >= 5920))';
const B23 = `(!${A23} && resource.dc && ((resource.tpp10 >= 24000 && resource.tpp10 < 48000 && resource.pd1000 >= 1600 && resource.pd1000 < 5920) || (resource.tpp10 >= 16000 && resource.pd1000 >= 3200 && resource.pd1000 < 5920)))`;
const A22 = '(resource.tpp10 >= 48000 && resource.io10 >= 6000)';
const SCOPE = `((((${inG('context.to', 'd1')} || ${inG('context.to', 'd4')} || ${inG('context.to', 'd5')}) && !(${inG('context.to', 'a5')} || ${inG('context.to', 'a6')}))) || ${is('context.to', 'MO')})`;
const HQ = `(${inG('context.hq', 'd5')} || ${is('context.hq', 'MO')} || ${inG('context.phq', 'd5')} || ${is('context.phq', 'MO')})`;
const NAC_ITEM = `(${B23} || (${A23} && !resource.dc))`;
const EXPORT = 'action == Action::"export"';
const REMOTE = 'action == Action::"remote_access"';
const rules = [
  ['us-ear-2022-10/destination-license', 'license_required', EXPORT,
   `context.date >= 20221007 && context.date < 20231117 && ${A22} && ${inG('context.to', 'dst22')}`],
  ['us-ear-2023-10/destination-license', 'license_required', EXPORT,
   `context.date >= 20231117 && ${A23} && resource.dc && ${SCOPE}`],
  ['us-ear-2023-10/headquartered-in', 'license_required', EXPORT,
   `context.date >= 20231117 && ${A23} && resource.dc && ${HQ}`],
  ['us-ear-2023-10/nac-notification-2023', 'conditions', EXPORT,
   `context.date >= 20231117 && context.date < 20240404 && ${NAC_ITEM} && (${SCOPE} || ${HQ})`],
  ['us-ear-2023-10/nac-notification', 'conditions', EXPORT,
   `context.date >= 20240404 && ${NAC_ITEM} && (${inG('context.to', 'd5')} || ${is('context.to', 'MO')} || ${HQ})`],
  ['us-ear-2023-10/aca', 'conditions', EXPORT,
   `context.date >= 20240404 && ${NAC_ITEM} && ${SCOPE} && !(${inG('context.to', 'd5')} || ${is('context.to', 'MO')} || ${HQ})`],
  ['us-ear-2025-04-h20/h20-class', 'license_required', EXPORT,
   `context.date >= 20250409 && resource.origin == "US" && (resource.mem10 >= 40000 || resource.ic10 >= 9000) && (${inG('context.to', 'cn')} || ${inG('context.to', 'd5')} || ${inG('context.hq', 'cn')} || ${inG('context.hq', 'd5')} || ${inG('context.phq', 'cn')} || ${inG('context.phq', 'd5')})`],
  ['us-bis-2025-05-guidance/iaas-training-due-diligence', 'conditions', REMOTE,
   `context.date >= 20250513 && (${A23} || ${B23}) && ${HQ}`],
  ['us-bis-2025-05-guidance/prc-advanced-ic', 'conditions', 'true',
   `context.date >= 20250513 && resource.origin == "CN" && ${A23}`],
  ['us-ear-2025-09-affiliates/affiliate-of-listed', 'license_required', EXPORT,
   'context.date >= 20250929 && !(context.date >= 20251110 && context.date < 20261110) && context.affiliate && !context.listed'],
  ['us-ear-2026-01-review/case-by-case-band', 'license_required', EXPORT,
   `context.date >= 20260115 && ${is('context.from', 'US')} && (${is('context.to', 'CN')} || ${is('context.to', 'HK')} || ${is('context.to', 'MO')}) && ${A23} && resource.tpp10 < 210000 && resource.mem10 < 65000`],
  ['us-ear-2026-07-uae/uae-license', 'license_required', EXPORT,
   `context.date >= 20260710 && ${is('context.to', 'AE')} && ${A23} && resource.dc`],
  ['us-ear-2026-07-uae/uae-aca', 'conditions', EXPORT,
   `context.date >= 20260710 && ${is('context.to', 'AE')} && ${NAC_ITEM}`],
  ['my-sta-2025-07/strategic-trade-permit', 'license_required', EXPORT,
   `context.date >= 20250714 && ${is('context.from', 'MY')} && !(${is('context.to', 'MY')}) && resource.origin == "US" && (${A23} || ${B23})`],
  ['us-ear-entity-list/listed-consignee', 'license_required', EXPORT, 'context.date >= 20190516 && context.listed'],
  ['us-ear-entity-list/listed-tenant', 'conditions', REMOTE, 'context.date >= 20190516 && context.listed'],
  ['us-ear-entity-list/affiliate-red-flag', 'conditions', EXPORT,
   'context.date >= 20190516 && context.affiliate && !context.listed'],
  ['us-ear-entity-list/affiliate-tenant-red-flag', 'conditions', REMOTE,
   'context.date >= 20190516 && context.affiliate && !context.listed'],
  ['operator-example/no-remote-access-listed', 'prohibited', REMOTE,
   'context.date >= 20240101 && (context.listed || context.affiliate)'],
  ['operator-example/no-export-listed', 'prohibited', EXPORT,
   'context.date >= 20240101 && (context.listed || context.affiliate)'],
  ['operator-example/large-training-signoff', 'conditions', REMOTE,
   'context.date >= 20240101 && context.end_use == "training" && context.flop21 >= 10000'],
];
const verdictOf = new Map(rules.map(([id, verdict]) => [id, verdict]));
const staticPolicies = {};
for (const [id, , action, condition] of rules) {
  const actionClause = action === 'true' ? 'action' : action;
  staticPolicies[id] = `permit(principal, ${actionClause}, resource) when { ${condition} };`;
}
const parsed = cedar.preparsePolicySet('straits', { staticPolicies });
if (parsed.type !== 'success') {
  console.error(JSON.stringify(parsed.errors, null, 2));
  process.exit(1);
}

// ---- the requests ------------------------------------------------------
const entityRef = (code) => ({ __entity: { type: 'Country', id: code } });
const calls = data.requests.map((r) => {
  const referenced = new Set();
  const context = {
    date: day(r.date),
    listed: r.listed,
    affiliate: r.affiliate_of_listed,
    end_use: r.end_use,
    flop21: Math.round((r.training_flop ?? 0) / 1e21),
    count: r.count,
  };
  const refer = (key, code) => {
    if (!code) return;
    context[key] = entityRef(code);
    referenced.add(code);
  };
  refer('to', r.to);
  refer('from', r.from);
  refer('hq', r.party_hq);
  refer('phq', r.party_parent_hq);
  refer('site', r.site_country);
  refer('operator_hq', r.operator_hq);
  const entities = [{ uid: { type: 'Item', id: r.model }, attrs: items.get(r.model), parents: [] }];
  for (const code of referenced) {
    entities.push({ uid: { type: 'Country', id: code }, attrs: countryAttrs(code), parents: [] });
  }
  return {
    principal: { type: 'Party', id: 'p' },
    action: { type: 'Action', id: r.kind },
    resource: { type: 'Item', id: r.model },
    context,
    preparsedPolicySetId: 'straits',
    entities,
  };
});

const rank = { allowed: 0, conditions: 1, license_required: 2, prohibited: 3 };
const decide = (call) => {
  const answer = cedar.statefulIsAuthorized(call);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  const fired = answer.response.diagnostics.reason;
  if (answer.response.diagnostics.errors.length) {
    throw new Error(JSON.stringify(answer.response.diagnostics.errors));
  }
  let verdict = 'allowed';
  for (const id of fired) if (rank[verdictOf.get(id)] > rank[verdict]) verdict = verdictOf.get(id);
  return { verdict, fired };
};

// Agreement with Straits on every request.
let agree = 0;
const disagreements = [];
data.requests.forEach((r, idx) => {
  const { verdict, fired } = decide(calls[idx]);
  const same = verdict === r.expected_verdict &&
      JSON.stringify([...fired].sort()) === JSON.stringify([...r.expected_rules].sort());
  if (same) agree += 1;
  else if (disagreements.length < 5) disagreements.push({ request: r, cedar: { verdict, fired } });
});

// Throughput: repeat the mix for about `seconds`.
let decisions = 0;
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const deadline = start + BigInt(Math.round(seconds * 1e9));
let now = start;
while (now < deadline) {
  for (const call of calls) decide(call);
  decisions += calls.length;
  now = process.hrtime.bigint();
}
const elapsed = Number(now - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const result = {
  peer: `cedar-wasm ${cedar.getCedarVersion()}`,
  policies: rules.length,
  requests: calls.length,
  agreement: agree / calls.length,
  decisions_per_second: decisions / elapsed,
  decisions_per_cpu_second: decisions / cpuSeconds,
  disagreements,
};
console.log(JSON.stringify(result, null, 2));
if (agree !== calls.length) process.exit(2);

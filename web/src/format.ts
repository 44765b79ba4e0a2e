// Formatting shared by every page: verdicts, lease states, money and dates.
// Pure functions (no DOM), unit-tested in format.test.ts. Dates are shown in
// UTC, as the API and the audit log speak UTC.

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export interface Label {
  text: string;
  tone: Tone;
}

const VERDICTS: Record<string, Label> = {
  allowed: { text: 'Allowed', tone: 'ok' },
  conditions: { text: 'Allowed with conditions', tone: 'warn' },
  license_required: { text: 'License required', tone: 'warn' },
  prohibited: { text: 'Prohibited', tone: 'bad' },
};

// A compliance verdict as people read it; unknown verdicts are shown as sent.
export function verdictLabel(verdict: string | null | undefined): Label {
  if (!verdict) return { text: 'No verdict', tone: 'muted' };
  return VERDICTS[verdict] ?? { text: humanize(verdict), tone: 'info' };
}

const STATES: Record<string, Tone> = {
  requested: 'info',
  pending_review: 'warn',
  denied: 'bad',
  scheduled: 'info',
  active: 'ok',
  completed: 'muted',
  cancelled: 'muted',
  terminated: 'muted',
  compliance_hold: 'bad',
  expired: 'muted',
};

export function stateLabel(state: string | null | undefined): Label {
  if (!state) return { text: 'Unknown', tone: 'muted' };
  return { text: humanize(state), tone: STATES[state] ?? 'info' };
}

// "pending_review" -> "Pending review".
export function humanize(id: string): string {
  const words = id.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// One rule that fired, parsed from the API's "regime/rule (verdict): message".
export interface FiredRule {
  regime: string;
  rule: string;
  verdict: string;
  message: string;
  undetermined?: boolean;
}

export function parseReason(reason: string): FiredRule {
  const match = /^([^/\s]+)\/(\S+) \(([a-z_]+)(, undetermined)?\): ([\s\S]*)$/.exec(reason);
  if (!match) return { regime: '', rule: '', verdict: '', message: reason };
  const rule: FiredRule = { regime: match[1], rule: match[2], verdict: match[3], message: match[5] };
  if (match[4]) rule.undetermined = true;
  return rule;
}

function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

// An amount in minor units (cents) of `currency`, e.g. (123456, "USD") -> "$1,234.56".
// Integers only: minor units never pass through floating point arithmetic.
export function formatMinor(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  const negative = minor < 0;
  const units = String(Math.abs(Math.trunc(minor)));
  const padded = units.padStart(digits + 1, '0');
  const major = padded.slice(0, padded.length - digits) || '0';
  const fraction = digits > 0 ? '.' + padded.slice(padded.length - digits) : '';
  return formatMajorText((negative ? '-' : '') + major + fraction, currency);
}

// A decimal string in major units, e.g. ("-1234.5", "EUR") -> "-€1,234.50".
export function formatMajorText(amount: string, currency: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return `${amount} ${currency}`;
  const [, sign, whole, fraction = ''] = match;
  const digits = Math.max(fractionDigits(currency), Math.min(fraction.length, 4));
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const decimals = digits > 0 ? '.' + fraction.padEnd(digits, '0').slice(0, digits) : '';
  const symbol = currencySymbol(currency);
  return symbol ? `${sign}${symbol}${grouped}${decimals}` : `${sign}${grouped}${decimals} ${currency}`;
}

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: 'CN¥', SGD: 'S$', MYR: 'RM' };

function currencySymbol(currency: string): string {
  return SYMBOLS[currency] ?? '';
}

// The API's money strings: "3.50 USD" -> "$3.50"; null or "" -> "—".
export function formatMoneyText(text: string | null | undefined): string {
  if (!text) return '—';
  const match = /^(-?[\d.]+)\s+([A-Z]{3})$/.exec(text.trim());
  return match ? formatMajorText(match[1], match[2]) : text;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

// An ISO 8601 instant as "2026-11-29 06:42 UTC"; "—" when missing, the text itself when invalid.
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`
  );
}

// Only the calendar date: "2026-11-29".
export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

// Hours as "3d 4h", "5h", "45m".
export function formatHours(hours: number): string {
  if (!Number.isFinite(hours) || hours < 0) return '—';
  if (hours < 1) return `${Math.round(hours * 60)}m`;
  const whole = Math.round(hours);
  const days = Math.floor(whole / 24);
  const rest = whole % 24;
  if (days === 0) return `${rest}h`;
  return rest === 0 ? `${days}d` : `${days}d ${rest}h`;
}

// The span between two instants, e.g. "2026-11-29 06:00 UTC → 2026-12-02 06:00 UTC (3d)".
export function formatSpan(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return `${formatInstant(start)} → ${formatInstant(end)}`;
  const hours = (new Date(end).getTime() - new Date(start).getTime()) / 3_600_000;
  return `${formatInstant(start)} → ${formatInstant(end)} (${formatHours(hours)})`;
}

// A share 0..1 as "12.5%".
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return '—';
  return `${(share * 100).toFixed(share * 100 >= 10 || share === 0 ? 0 : 1)}%`;
}

// Large FLOP counts as "3e24".
export function formatFlop(flop: number | null | undefined): string {
  if (flop === null || flop === undefined || !Number.isFinite(flop)) return '—';
  const exponent = Math.floor(Math.log10(flop));
  const mantissa = flop / 10 ** exponent;
  const text = Number.isInteger(Math.round(mantissa * 100) / 100) ? String(Math.round(mantissa)) : mantissa.toFixed(2).replace(/0+$/, '');
  return `${text}e${exponent}`;
}

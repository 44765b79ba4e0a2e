// Calls to the Straits API on the same origin. Two ways to authenticate:
// a bearer API token kept in sessionStorage (gone when the tab closes), or the
// browser session of POST /v1/session (HttpOnly cookie; state-changing calls
// carry the CSRF token that GET /v1/session returned).

const TOKEN_KEY = 'straits.token';
const CSRF_KEY = 'straits.csrf';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value: string | null): void {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function setCsrf(value: string | null): void {
  if (value) sessionStorage.setItem(CSRF_KEY, value);
  else sessionStorage.removeItem(CSRF_KEY);
}

function idempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `web-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (method !== 'GET') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (!bearer && csrf) headers['X-CSRF-Token'] = csrf;
    if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey();
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new ApiError(0, 'unavailable', `The server did not answer (${String(error)})`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; field?: string } })?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'http_' + response.status,
      error?.message ?? `${method} ${path} answered ${response.status}`,
      error?.field,
      json,
    );
  }
  return json as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, body);

// Every page of a paged listing (items + next_cursor), up to `max` items.
export async function getAll<T>(path: string, max = 5000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url: string = `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { items: T[]; next_cursor?: string | null } = await get(url);
    items.push(...page.items);
    cursor = page.next_cursor ?? null;
  } while (cursor && items.length < max);
  return items;
}

// Who is signed in. With a token and no session route, the token's holder is
// whoever it names; the server decides what each call may see either way.
export interface Who {
  user: string;
  role: string;
  org?: string | null;
  via: 'token' | 'session';
}

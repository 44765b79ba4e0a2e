// A tiny DOM toolkit: element builder, status states (loading, empty, error),
// badges and tables with a CSV download.
import { ApiError } from './api';
import { toCsv, type Cell } from './csv';
import type { Label } from './format';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function badge(label: Label): HTMLElement {
  return h('span', { class: `badge ${label.tone}` }, label.text);
}

export function loading(what = 'Loading'): HTMLElement {
  return h('p', { class: 'state loading', role: 'status', 'aria-live': 'polite' }, `${what}…`);
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'state empty' }, text);
}

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const where = error instanceof ApiError && error.field ? ` (field ${error.field})` : '';
  const code = error instanceof ApiError ? `${error.code}: ` : '';
  return h('p', { class: 'state error', role: 'alert' }, `${code}${message}${where}`);
}

// Shows a loading state in `slot`, then what `render` makes, or the error.
export async function fill(slot: HTMLElement, render: () => Promise<Node>, what?: string): Promise<void> {
  slot.replaceChildren(loading(what));
  try {
    slot.replaceChildren(await render());
  } catch (error) {
    slot.replaceChildren(errorBox(error));
  }
}

export interface Column<T> {
  title: string;
  value: (row: T) => Cell;
  render?: (row: T) => Child;
  numeric?: boolean;
}

export function download(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename }) as HTMLAnchorElement;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A table with a caption, an empty state and a "CSV" button that downloads every row.
export function table<T>(
  caption: string,
  columns: Column<T>[],
  rows: T[],
  options: { csvName?: string; emptyText?: string; rowLink?: (row: T) => string } = {},
): HTMLElement {
  const csvName = options.csvName ?? caption.toLowerCase().replace(/[^a-z0-9]+/g, '-') + '.csv';
  const button = h(
    'button',
    {
      type: 'button',
      class: 'small',
      onclick: () =>
        download(
          csvName,
          toCsv(
            columns.map((c) => c.title),
            rows.map((row) => columns.map((c) => c.value(row))),
          ),
        ),
    },
    'CSV',
  );
  const head = h('div', { class: 'table-head' }, h('h3', {}, caption), button);
  if (rows.length === 0) return h('section', { class: 'card' }, head, empty(options.emptyText ?? 'Nothing to show.'));
  const body = rows.map((row) =>
    h(
      'tr',
      {},
      columns.map((c, i) => {
        let content: Child = c.render ? c.render(row) : (c.value(row) as Child);
        if (i === 0 && options.rowLink) content = h('a', { href: options.rowLink(row) }, content);
        return h('td', { class: c.numeric ? 'num' : undefined }, content);
      }),
    ),
  );
  return h(
    'section',
    { class: 'card' },
    head,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.title)))),
        h('tbody', {}, body),
      ),
    ),
  );
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', {}, hint) : null);
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    values[key] = String(value).trim();
  });
  return values;
}

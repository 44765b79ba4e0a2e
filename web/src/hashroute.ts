// Dashboard addresses are hash routes: "#/leases/lease-000001" or
// "#/revenue?by=hq". The path picks the page; the query belongs to the page.
export interface HashRoute {
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): HashRoute {
  const text = hash.replace(/^#\/?/, '');
  const cut = text.indexOf('?');
  const path = cut < 0 ? text : text.slice(0, cut);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(cut < 0 ? '' : text.slice(cut + 1)) };
}

// A tiny History API router: the current location as reactive state, path patterns with
// `:name` parameters, and link interception so that plain <a href="/…"> stays an SPA link.

export { matchPath } from './paths';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function read(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export const current: { location: Location } = $state({ location: read() });

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  // A throw-away parse, not state: the rule's SvelteURL is not needed here.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const url = new URL(href, window.location.origin);
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (opts.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  current.location = read();
  if (!opts.replace) window.scrollTo(0, 0);
}

function isPlainLeftClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey && !e.defaultPrevented;
}

/** Installs the global listeners once (popstate and same-origin link clicks). */
export function startRouter(): () => void {
  const onPop = () => (current.location = read());
  const onClick = (e: MouseEvent) => {
    if (!isPlainLeftClick(e)) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
    const href = a.getAttribute('href') ?? '';
    if (!href.startsWith('/') || href.startsWith('/api/')) return;
    e.preventDefault();
    navigate(href);
  };
  window.addEventListener('popstate', onPop);
  document.addEventListener('click', onClick);
  return () => {
    window.removeEventListener('popstate', onPop);
    document.removeEventListener('click', onClick);
  };
}

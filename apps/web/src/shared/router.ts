import { useEffect, useState } from 'react';

// Three screens (inbox, ticket, settings) do not need a router library: the path is the state.
export type Route =
  | { name: 'inbox' }
  | { name: 'ticket'; id: string }
  | { name: 'settings' }
  | { name: 'customer'; id: string }
  | { name: 'organisation'; id: string }
  | { name: 'reports'; section: 'overview' | 'activity' }
  | { name: 'admin'; section: string }
  | { name: 'account' };

export function parseRoute(path: string): Route {
  if (path === '/settings') return { name: 'settings' };
  if (path === '/reports') return { name: 'reports', section: 'overview' };
  if (path === '/reports/activity') return { name: 'reports', section: 'activity' };
  if (path === '/account') return { name: 'account' };
  const admin = /^\/admin(?:\/([a-z-]+))?$/.exec(path);
  if (admin) return { name: 'admin', section: admin[1] ?? 'users' };
  const page = /^\/(customers|organisations)\/([0-9a-fA-F-]{36})$/.exec(path);
  if (page) return { name: page[1] === 'customers' ? 'customer' : 'organisation', id: page[2] ?? '' };
  const match = /^\/tickets\/([0-9a-zA-Z-]+)$/.exec(path);
  return match ? { name: 'ticket', id: match[1] } : { name: 'inbox' };
}

export function navigate(path: string): void {
  if (window.location.pathname + window.location.search === path) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

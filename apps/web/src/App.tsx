import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get, onUnauthenticated, post, type User } from './api';
import { Inbox } from './Inbox';
import { ShortcutHelp } from './ShortcutHelp';
import { Settings } from './Settings';
import { SignIn } from './SignIn';
import { TicketView } from './TicketView';
import { useLiveEvents } from './useLiveEvents';
import { navigate, useRoute } from './router';

export function App() {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => get<{ user: User }>('/api/auth/me').then((r) => r.user),
    retry: false,
    staleTime: Infinity,
  });
  const [expired, setExpired] = useState(false);

  // Any 401 (expired session, signed out in another tab): drop cached data and show sign-in.
  useEffect(
    () =>
      onUnauthenticated(() => {
        setExpired(true);
        queryClient.clear();
        queryClient.setQueryData(['me'], null);
      }),
    [queryClient],
  );

  if (me.isPending) return <p className="loading">Loading…</p>;
  const user = me.data ?? null;
  if (!user) {
    return (
      <SignIn
        notice={expired ? 'Your session has ended. Please sign in again.' : null}
        onSignedIn={(u) => {
          setExpired(false);
          queryClient.setQueryData(['me'], u);
        }}
      />
    );
  }
  return <Workspace user={user} />;
}

function Workspace({ user }: { user: User }) {
  const route = useRoute();
  const queryClient = useQueryClient();
  const [help, setHelp] = useState(false);
  const live = useLiveEvents();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e)) return;
      if (e.key === '?') {
        e.preventDefault();
        setHelp((h) => !h);
      } else if (e.key === 'Escape' && help) setHelp(false);
      else if (e.key === 'g' || (e.key === 'u' && route.name !== 'inbox')) navigate('/');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [help, route.name]);

  const signOut = async () => {
    await post('/api/auth/logout').catch(() => undefined);
    queryClient.clear();
    queryClient.setQueryData(['me'], null);
  };

  return (
    <div className="app">
      <header className="topbar">
        <a
          href="/"
          className="brand"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          Intake
        </a>
        <span className={`live ${live ? 'on' : 'off'}`} title={live ? 'Live updates on' : 'Reconnecting…'}>
          {live ? 'Live' : 'Offline'}
        </span>
        <span className="spacer" />
        {user.role !== 'agent' && (
          <a
            href="/settings"
            className="topbar-link"
            aria-current={route.name === 'settings' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/settings');
            }}
          >
            Settings
          </a>
        )}
        <button type="button" className="link" onClick={() => setHelp(true)} aria-haspopup="dialog">
          Shortcuts (?)
        </button>
        <span className="who">
          {user.name} · {user.role}
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {route.name === 'ticket' ? (
        <TicketView id={route.id} me={user} />
      ) : route.name === 'settings' && user.role !== 'agent' ? (
        <Settings me={user} />
      ) : (
        <Inbox me={user} />
      )}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

export function isTyping(e: KeyboardEvent): boolean {
  const target = e.target as HTMLElement | null;
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

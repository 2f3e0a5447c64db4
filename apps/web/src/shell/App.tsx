import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Admin } from '../admin/Admin';
import { Settings } from '../admin/Settings';
import { CustomerPage } from '../customers/CustomerPage';
import { OrganisationPage } from '../customers/OrganisationPage';
import { Reports } from '../reports/Reports';
import { Inbox } from '../inbox/Inbox';
import { onUnauthenticated } from '../shared/http';
import { isTyping } from '../shared/keyboard';
import { navigate, useRoute } from '../shared/router';
import { TicketView } from '../ticket/TicketView';
import { useLiveEvents } from './live-events';
import { sessionApi, type User } from './session.api';
import { Account } from './Account';
import { SetPassword } from './SetPassword';
import { Setup } from './Setup';
import { ShortcutHelp } from './ShortcutHelp';
import { SignIn } from './SignIn';

export function App() {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: sessionApi.me,
    retry: false,
    staleTime: Infinity,
  });
  const [expired, setExpired] = useState(false);
  const [passwordSet, setPasswordSet] = useState(false);
  // A desk without staff shows the first-run set-up instead of the sign-in form.
  const setup = useQuery({ queryKey: ['setup'], queryFn: sessionApi.setupNeeded, enabled: me.isError, retry: false });

  // Any 401 (expired session, signed out in another tab): drop cached data and show sign-in. Only a
  // session that existed can end: on a first visit the 401 of /api/auth/me is no news, and that
  // query's own error already shows the sign-in form.
  useEffect(
    () =>
      onUnauthenticated(() => {
        if (!queryClient.getQueryData(['me'])) return;
        setExpired(true);
        queryClient.clear();
        queryClient.setQueryData(['me'], null);
      }),
    [queryClient],
  );

  if (me.isPending) return <p className="loading">Loading…</p>;
  const user = me.data ?? null;
  if (!user) {
    if (window.location.pathname === '/set-password' && !passwordSet) {
      return <SetPassword onDone={() => setPasswordSet(true)} />;
    }
    if (me.isError && setup.isPending) return <p className="loading">Loading…</p>;
    if (setup.data) return <Setup onDone={(u) => queryClient.setQueryData(['me'], u)} />;
    return (
      <SignIn
        notice={
          expired
            ? 'Your session has ended. Please sign in again.'
            : passwordSet
              ? 'Your password is set. Sign in with it.'
              : null
        }
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
    await sessionApi.signOut().catch(() => undefined);
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
            href="/reports"
            className="topbar-link"
            aria-current={route.name === 'reports' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/reports');
            }}
          >
            Reports
          </a>
        )}
        {user.role !== 'agent' && (
          <a
            href="/admin"
            className="topbar-link"
            aria-current={route.name === 'admin' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/admin');
            }}
          >
            Admin
          </a>
        )}
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
        <a
          href="/account"
          className="who topbar-link"
          aria-current={route.name === 'account' ? 'page' : undefined}
          onClick={(e) => {
            e.preventDefault();
            navigate('/account');
          }}
        >
          {user.name} · {user.role}
        </a>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {user.twoFactorSetupRequired || route.name === 'account' ? (
        <Account me={user} />
      ) : route.name === 'admin' && user.role !== 'agent' ? (
        <Admin me={user} section={route.section} />
      ) : route.name === 'ticket' ? (
        <TicketView id={route.id} me={user} />
      ) : route.name === 'customer' ? (
        <CustomerPage id={route.id} me={user} />
      ) : route.name === 'organisation' ? (
        <OrganisationPage id={route.id} me={user} />
      ) : route.name === 'reports' && user.role !== 'agent' ? (
        <Reports section={route.section} />
      ) : route.name === 'settings' && user.role !== 'agent' ? (
        <Settings me={user} />
      ) : (
        <Inbox me={user} />
      )}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../shared/http';
import { preferencesApi, type Preferences, type PreferencesChange } from './preferences.api';
import { sessionApi, type User } from './session.api';

const message = (e: unknown) => (e instanceof ApiError ? e.message : e ? 'Could not reach the server' : null);

/** The signed-in user's own settings: notifications, signature, password and two-factor sign-in. */
export function Account({ me }: { me: User }) {
  return (
    <main className="settings" aria-labelledby="account-title">
      <header className="settings-head">
        <h1 id="account-title">Your account</h1>
        <p className="muted">
          {me.name} · {me.email} · {me.role}
        </p>
      </header>
      {me.twoFactorSetupRequired && (
        <p className="notice" role="status">
          Your role requires two-factor sign-in. Set it up below to continue.
        </p>
      )}
      <TwoFactor />
      <PasswordChange />
      <NotificationSettings />
      <SignatureSettings />
    </main>
  );
}

const SWITCHES: Array<{ key: 'notifyAssigned' | 'notifyCustomerReplied' | 'notifySla'; label: string }> = [
  { key: 'notifyAssigned', label: 'A ticket is assigned to me (by someone else)' },
  { key: 'notifyCustomerReplied', label: 'A customer replies on my ticket' },
  { key: 'notifySla', label: 'An SLA target of my ticket is about to be missed' },
];

function usePreferences() {
  const queryClient = useQueryClient();
  const prefs = useQuery({ queryKey: ['preferences'], queryFn: preferencesApi.get });
  const save = useMutation({
    mutationFn: preferencesApi.update,
    // A ticked box shows at once; the server's answer (or a refetch after an error) settles it.
    onMutate: (change: PreferencesChange) => {
      const before = queryClient.getQueryData<Preferences>(['preferences']);
      if (before && change.signature === undefined) queryClient.setQueryData(['preferences'], { ...before, ...change });
    },
    onSuccess: (p: Preferences) => queryClient.setQueryData(['preferences'], p),
    onError: () => void queryClient.invalidateQueries({ queryKey: ['preferences'] }),
  });
  return { prefs, save };
}

/** Email notifications, each on or off; saved as soon as a box is ticked. */
function NotificationSettings() {
  const { prefs, save } = usePreferences();
  // The ticked state shows within the click itself (a controlled box whose value changed only after
  // the mutation's asynchronous start would flip back for a moment); the server's answer replaces it.
  const [ticked, setTicked] = useState<Preferences | null>(null);
  const p = ticked ?? prefs.data;
  return (
    <section className="settings-section" aria-labelledby="notify-title">
      <h2 id="notify-title">Email notifications</h2>
      <p className="muted">Sent to your email address, marked automatic; customers never get them.</p>
      {p && (
        <fieldset className="settings-form" disabled={save.isPending}>
          <legend>Email me when</legend>
          {SWITCHES.map((s) => (
            <label key={s.key}>
              <input
                type="checkbox"
                checked={p[s.key]}
                onChange={(e) => {
                  setTicked({ ...p, [s.key]: e.target.checked });
                  save.mutate({ [s.key]: e.target.checked }, { onSettled: () => setTicked(null) });
                }}
              />{' '}
              {s.label}
            </label>
          ))}
        </fieldset>
      )}
      {(prefs.error ?? save.error) && (
        <p className="error" role="alert">
          {message(prefs.error ?? save.error)}
        </p>
      )}
    </section>
  );
}

/** The agent's own signature, above the mailbox's under every reply; unknown placeholders are refused. */
function SignatureSettings() {
  const { prefs, save } = usePreferences();
  const [draft, setDraft] = useState<string | null>(null);
  const p = prefs.data;
  const value = draft ?? p?.signature ?? '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ signature: value }, { onSuccess: () => setDraft(null) });
  };
  return (
    <section className="settings-section" aria-labelledby="signature-title">
      <h2 id="signature-title">Your signature</h2>
      <form className="settings-form" onSubmit={submit}>
        <label htmlFor="signature">Added under your replies, above the mailbox's signature</label>
        <textarea
          id="signature"
          rows={4}
          maxLength={2000}
          value={value}
          aria-describedby="signature-placeholders"
          onChange={(e) => setDraft(e.target.value)}
        />
        <p id="signature-placeholders" className="muted">
          Placeholders: {(p?.placeholders ?? []).map((k) => `{{${k}}}`).join(' ')}
        </p>
        {save.error && (
          <p className="error" role="alert">
            {message(save.error)}
          </p>
        )}
        {save.isSuccess && draft === null && (
          <p className="notice" role="status">
            Saved.
          </p>
        )}
        <button type="submit" className="primary" disabled={!p || save.isPending}>
          Save signature
        </button>
      </form>
    </section>
  );
}

function PasswordChange() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: () => sessionApi.changePassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate();
  };
  return (
    <section className="settings-section" aria-labelledby="pw-title">
      <h2 id="pw-title">Change password</h2>
      <form className="settings-form" onSubmit={submit}>
        <label htmlFor="current-password">Current password</label>
        <input
          id="current-password"
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <label htmlFor="next-password">New password (at least 12 characters)</label>
        <input
          id="next-password"
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        {change.error && (
          <p className="error" role="alert">
            {message(change.error)}
          </p>
        )}
        {change.data && (
          <p className="notice" role="status">
            Password changed. {change.data.sessionsEnded} other session(s) were signed out.
          </p>
        )}
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </section>
  );
}

function TwoFactor() {
  const queryClient = useQueryClient();
  const status = useQuery({ queryKey: ['2fa'], queryFn: sessionApi.twoFactor });
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState('');
  const begin = useMutation({ mutationFn: sessionApi.beginTwoFactor, onSuccess: setSecret });
  const confirm = useMutation({
    mutationFn: () => sessionApi.confirmTwoFactor(code),
    onSuccess: (r) => {
      setCodes(r.recoveryCodes);
      setSecret(null);
      setCode('');
      void queryClient.invalidateQueries({ queryKey: ['2fa'] });
    },
  });
  const disable = useMutation({
    mutationFn: () => sessionApi.disableTwoFactor(password),
    onSuccess: () => {
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['2fa'] });
    },
  });
  const s = status.data;
  const error = message(begin.error ?? confirm.error ?? disable.error);
  return (
    <section className="settings-section" aria-labelledby="tfa-title">
      <h2 id="tfa-title">Two-factor sign-in</h2>
      {codes && (
        <div className="link-box" role="status">
          <p>
            <strong>Recovery codes</strong> — each works once if you lose your phone. Keep them somewhere safe; they are
            not shown again.
          </p>
          <ul className="recovery-codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => {
              setCodes(null);
              void queryClient.invalidateQueries({ queryKey: ['me'] });
            }}
          >
            I have saved them
          </button>
        </div>
      )}
      {s?.enabled && !codes && (
        <>
          <p>On. {s.recoveryCodesLeft} recovery codes left.</p>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              disable.mutate();
            }}
          >
            <label htmlFor="tfa-off-password">Password</label>
            <input
              id="tfa-off-password"
              type="password"
              required
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <button type="submit">Turn off</button>
          </form>
        </>
      )}
      {s && !s.enabled && !secret && (
        <>
          <p>Off. With it on, signing in also needs a code from an authenticator app.</p>
          <button type="button" className="primary" onClick={() => begin.mutate()}>
            Set up two-factor sign-in
          </button>
        </>
      )}
      {secret && (
        <form
          className="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            confirm.mutate();
          }}
        >
          <p>Add this key to your authenticator app (or open the link on your phone), then enter the code it shows.</p>
          <label htmlFor="tfa-secret">Key</label>
          <input id="tfa-secret" readOnly value={secret.secret} onFocus={(e) => e.target.select()} />
          <p>
            <a href={secret.otpauthUrl}>Open in authenticator app</a>
          </p>
          <label htmlFor="tfa-code">Code</label>
          <input
            id="tfa-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" className="primary">
            Turn on
          </button>
        </form>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

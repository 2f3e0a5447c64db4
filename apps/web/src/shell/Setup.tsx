import { useState, type FormEvent } from 'react';
import { ApiError } from '../shared/http';
import { sessionApi, type User } from './session.api';

/**
 * First run: create the first admin. The set-up token is printed in the server's log at start-up,
 * so only whoever runs the server can claim the desk.
 */
export function Setup({ onDone }: { onDone: (user: User) => void }) {
  const [f, setF] = useState({ setupToken: '', name: '', email: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone((await sessionApi.setup(f)).user);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  };
  const set = (key: keyof typeof f) => (e: { target: { value: string } }) =>
    setF((s) => ({ ...s, [key]: e.target.value }));
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up your desk</h1>
        <p className="muted">
          Create the first admin account. The set-up token is in the server&apos;s log (the line that starts with
          &ldquo;No staff account yet&rdquo;).
        </p>
        <label htmlFor="setup-token">Set-up token</label>
        <input id="setup-token" required autoComplete="off" value={f.setupToken} onChange={set('setupToken')} />
        <label htmlFor="setup-name">Your name</label>
        <input id="setup-name" required autoComplete="name" value={f.name} onChange={set('name')} />
        <label htmlFor="setup-email">Email</label>
        <input id="setup-email" type="email" required autoComplete="username" value={f.email} onChange={set('email')} />
        <label htmlFor="setup-password">Password (at least 12 characters)</label>
        <input
          id="setup-password"
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          value={f.password}
          onChange={set('password')}
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Create admin and sign in
        </button>
      </form>
    </main>
  );
}

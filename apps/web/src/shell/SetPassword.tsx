import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../shared/http';
import { sessionApi } from './session.api';

/** Opened from a one-time invitation or reset link; the token is in the URL's fragment. */
export function SetPassword({ onDone }: { onDone: () => void }) {
  const token = window.location.hash.slice(1);
  const link = useQuery({
    queryKey: ['password-link', token],
    queryFn: () => sessionApi.inspectLink(token),
    retry: false,
  });
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) return setError('The two passwords differ');
    setError(null);
    try {
      await sessionApi.completeLink(token, password);
      window.history.replaceState(null, '', '/');
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reach the server');
    }
  };
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="setpw-title">
        <h1 id="setpw-title">{link.data?.purpose === 'invite' ? 'Welcome to Intake' : 'Choose a new password'}</h1>
        {link.isPending && <p className="loading">Checking the link…</p>}
        {link.error && (
          <p className="error" role="alert">
            {link.error instanceof ApiError ? link.error.message : 'This link does not work'}
          </p>
        )}
        {link.data && (
          <>
            <p>
              {link.data.name} ({link.data.email}): choose your password.
            </p>
            <label htmlFor="new-password">Password (at least 12 characters)</label>
            <input
              id="new-password"
              type="password"
              required
              minLength={12}
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <label htmlFor="repeat-password">Repeat it</label>
            <input
              id="repeat-password"
              type="password"
              required
              autoComplete="new-password"
              value={repeat}
              onChange={(e) => setRepeat(e.target.value)}
            />
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary">
              Set password
            </button>
          </>
        )}
      </form>
    </main>
  );
}

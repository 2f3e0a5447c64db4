import { useState, type FormEvent } from 'react';
import { ApiError } from '../shared/http';
import { sessionApi, type User } from './session.api';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (user: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  // Asked for once the server said the password is right and the account has two-factor sign-in.
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await sessionApi.signIn(email, password, needsCode ? otp : undefined);
      onSignedIn(res.user);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'otp_required') setNeedsCode(true);
      else setError(err instanceof ApiError ? err.message : 'Could not reach the server');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Intake</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          autoFocus
          readOnly={needsCode}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          readOnly={needsCode}
        />
        {needsCode && (
          <>
            <label htmlFor="otp">Code from your authenticator app (or a recovery code)</label>
            <input
              id="otp"
              inputMode="text"
              autoComplete="one-time-code"
              required
              value={otp}
              onChange={(e) => setOtp(e.target.value)}
              autoFocus
            />
          </>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : needsCode ? 'Verify' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

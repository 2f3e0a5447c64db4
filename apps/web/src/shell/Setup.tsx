import { useState, type FormEvent } from 'react';
import { DeskSettingsSection } from '../admin/DeskSettingsSection';
import { Mailboxes } from '../admin/Mailboxes';
import { Outbound } from '../admin/Outbound';
import { ApiError } from '../shared/http';
import { sessionApi, type User } from './session.api';

/**
 * First run: create the first admin (with the set-up token the server prints in its log at
 * start-up, so only whoever runs the server can claim the desk), then name the desk, its public URL
 * and sender, then connect a mailbox and check outgoing mail — each with the admin screens' own
 * sections, so there is one way to do each thing.
 */
export function Setup({ onDone }: { onDone: (user: User) => void }) {
  const [admin, setAdmin] = useState<User | null>(null);
  const [step, setStep] = useState<'desk' | 'mail'>('desk');
  if (!admin) return <FirstAdmin onCreated={setAdmin} />;
  const finish = () => onDone(admin);
  return (
    <main className="settings admin" aria-labelledby="setup-step-title">
      <header className="settings-head">
        <h1 id="setup-step-title">{step === 'desk' ? 'Step 2 of 3: your desk' : 'Step 3 of 3: mail'}</h1>
        <p className="muted">
          {step === 'desk'
            ? 'How the desk signs its mail and where its links point. You can change this later under Admin.'
            : 'Connect the mailbox customers write to, and check that the desk can send. Both can wait.'}
        </p>
      </header>
      {step === 'desk' ? (
        <DeskSettingsSection onSaved={() => setStep('mail')} saveLabel="Save and continue" />
      ) : (
        <>
          <Mailboxes />
          <Outbound />
        </>
      )}
      <div className="settings-actions">
        {step === 'desk' && (
          <button type="button" onClick={() => setStep('mail')}>
            Skip this step
          </button>
        )}
        {step === 'mail' && (
          <button type="button" className="primary" onClick={finish}>
            Go to the desk
          </button>
        )}
      </div>
    </main>
  );
}

/** Step 1: the first admin account. */
function FirstAdmin({ onCreated }: { onCreated: (user: User) => void }) {
  const [f, setF] = useState({ setupToken: '', name: '', email: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated((await sessionApi.setup(f)).user);
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

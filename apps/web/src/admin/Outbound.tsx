import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText, when } from './Admin';
import { deskAdminApi } from './desk-admin.api';

export function Outbound() {
  const status = useQuery({ queryKey: ['admin', 'outbound'], queryFn: deskAdminApi.outbound });
  const [to, setTo] = useState('');
  const send = useMutation({ mutationFn: () => deskAdminApi.sendTestEmail(to) });
  const s = status.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  const result = send.data as { sent: boolean; response?: string; error?: string } | undefined;
  return (
    <section className="settings-section" aria-labelledby="outbound-title">
      <h2 id="outbound-title">Outbound mail</h2>
      {s && (
        <dl className="facts">
          <dt>SMTP</dt>
          <dd>
            {s.configured ? `Configured (${s.server})` : 'Not configured: replies stay queued until SMTP_URL is set'}
          </dd>
          <dt>Sender</dt>
          <dd>{s.from}</dd>
          <dt>Waiting</dt>
          <dd>{s.queued}</dd>
          <dt>Failed</dt>
          <dd>{s.failed}</dd>
          <dt>Last error</dt>
          <dd>{s.lastError ? `${s.lastError} (${when(s.lastErrorAt)})` : 'None'}</dd>
        </dl>
      )}
      <form className="inline-form" onSubmit={submit}>
        <label htmlFor="test-to">Send a test email to</label>
        <input id="test-to" type="email" required value={to} onChange={(e) => setTo(e.target.value)} />
        <button type="submit" className="primary" disabled={send.isPending}>
          {send.isPending ? 'Sending…' : 'Send test email'}
        </button>
      </form>
      {result && (
        <p className={result.sent ? 'notice' : 'error'} role={result.sent ? 'status' : 'alert'}>
          {result.sent ? `Sent. The server answered: ${result.response}` : `Not sent: ${result.error}`}
        </p>
      )}
      {send.error && (
        <p className="error" role="alert">
          {errorText(send.error)}
        </p>
      )}
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorText, when } from './Admin';
import { deskAdminApi, type QuarantineOutcome } from './desk-admin.api';

const OUTCOME: Record<QuarantineOutcome, string> = {
  moved_back: 'Moved back to the intake folder; it will be processed again.',
  in_intake_folder: 'Still in the intake folder; it will be processed again.',
  from_stored_bytes: 'No server copy left; the stored copy is being processed again.',
  expunged: 'Deleted, on the server too.',
  no_server_copy: 'Deleted (no server copy was left).',
  queued: 'Queued: no worker finished it yet (is a worker running?).',
};

/** A mailbox's quarantined messages (reason codes and sizes, never content), with replay and delete. */
export function MailboxQuarantine({ mailboxId, mailboxName }: { mailboxId: string; mailboxName: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['admin', 'quarantine', mailboxId],
    queryFn: () => deskAdminApi.quarantine(mailboxId),
  });
  const [said, setSaid] = useState<string | null>(null);
  const act = useMutation({
    mutationFn: (v: { id: string; action: 'replay' | 'delete' }) => deskAdminApi.quarantineAction(v.id, v.action),
    onSuccess: (r) => {
      setSaid(OUTCOME[r.outcome]);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'quarantine', mailboxId] });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'mailboxes'] });
    },
  });
  const rows = list.data ?? [];
  return (
    <div className="quarantine" aria-label={`Quarantine of ${mailboxName}`} role="region">
      <h3>Quarantine</h3>
      {said && (
        <p className="notice" role="status">
          {said}
        </p>
      )}
      {act.error && (
        <p className="error" role="alert">
          {errorText(act.error)}
        </p>
      )}
      {list.isLoading ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">Nothing in quarantine.</p>
      ) : (
        <div className="table-scroll">
          <table className="sla-table">
            <thead>
              <tr>
                <th scope="col">Quarantined</th>
                <th scope="col">Reason</th>
                <th scope="col">Size</th>
                <th scope="col">Attempts</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((q) => (
                <tr key={q.id}>
                  <td>{when(q.quarantinedAt)}</td>
                  <td>
                    <code>{q.reason ?? 'unknown'}</code>
                  </td>
                  <td>{Math.ceil(q.size / 1024)} KB</td>
                  <td>{q.attempts}</td>
                  <td className="settings-actions">
                    <button
                      type="button"
                      disabled={act.isPending}
                      onClick={() => act.mutate({ id: q.id, action: 'replay' })}
                    >
                      Replay
                    </button>
                    <button
                      type="button"
                      disabled={act.isPending}
                      onClick={() => {
                        if (window.confirm('Delete this message for good, on the mail server too?'))
                          act.mutate({ id: q.id, action: 'delete' });
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

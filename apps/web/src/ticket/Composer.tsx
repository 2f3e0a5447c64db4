import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { isTyping } from '../shared/keyboard';
import type { User } from '../shell/session.api';
import { ticketApi, type TicketDetail } from './ticket.api';

// The reply / internal-note editor under a ticket, with canned replies and the presence heartbeat.

export function Composer({ ticket, me, onSent }: { ticket: TicketDetail; me: User; onSent: () => void }) {
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [body, setBody] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const canned = useQuery({
    queryKey: ['canned'],
    queryFn: ticketApi.cannedReplies,
    staleTime: 60_000,
  });
  const send = useMutation({
    mutationFn: () => (mode === 'note' ? ticketApi.note(ticket.id, body) : ticketApi.reply(ticket.id, body)),
    onSuccess: () => {
      setBody('');
      onSent();
    },
  });

  // Presence heartbeat: now, every 10 s, and when typing starts or stops; "leaving" on close.
  const typing = body.length > 0;
  useEffect(() => {
    const beat = (leaving = false) => void ticketApi.heartbeat(ticket.id, { typing, leaving }).catch(() => undefined);
    beat();
    const timer = window.setInterval(() => beat(), 10_000);
    return () => {
      window.clearInterval(timer);
      beat(true);
    };
  }, [ticket.id, typing]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e)) return;
      if (e.key === 'r' || e.key === 'n') {
        e.preventDefault();
        setMode(e.key === 'r' ? 'reply' : 'note');
        area.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const insertCanned = async (id: string) => {
    if (!id) return;
    const r = await ticketApi.renderCanned(id, ticket.id);
    setBody((b) => (b ? `${b}\n\n${r.body}` : r.body));
    area.current?.focus();
  };

  return (
    <section className={`composer ${mode}`} aria-label="Write">
      <div role="tablist" aria-label="Reply or note">
        <button type="button" role="tab" aria-selected={mode === 'reply'} onClick={() => setMode('reply')}>
          Reply to customer (r)
        </button>
        <button type="button" role="tab" aria-selected={mode === 'note'} onClick={() => setMode('note')}>
          Internal note (n)
        </button>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (body.trim()) send.mutate();
        }}
      >
        <label htmlFor="composer-body" className="sr-only">
          {mode === 'reply' ? 'Reply' : 'Internal note'}
        </label>
        <textarea
          id="composer-body"
          ref={area}
          rows={6}
          value={body}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && body.trim()) send.mutate();
            if (e.key === 'Escape') area.current?.blur();
          }}
          placeholder={
            mode === 'reply'
              ? `Reply to ${ticket.contact.name ?? 'the customer'} as ${me.name} (Ctrl+Enter sends)`
              : 'Only agents see internal notes'
          }
        />
        <div className="composer-actions">
          <label>
            <span className="sr-only">Insert canned reply</span>
            <select aria-label="Insert canned reply" value="" onChange={(e) => void insertCanned(e.target.value)}>
              <option value="">Canned reply…</option>
              {(canned.data?.items ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.title}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={send.isPending || !body.trim()}>
            {send.isPending ? 'Sending…' : mode === 'reply' ? 'Send reply' : 'Add note'}
          </button>
        </div>
        {send.error && (
          <p className="error" role="alert">
            {send.error.message}
          </p>
        )}
      </form>
    </section>
  );
}

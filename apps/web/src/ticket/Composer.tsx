import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isTyping } from '../shared/keyboard';
import type { User } from '../shell/session.api';
import { AttachmentDrop, useUploadLimits } from './Attachments';
import { hasFormatting, splitAddresses, textToHtml } from './compose-text';
import { RichEditor } from './RichEditor';
import { ticketApi, type Composed, type Draft, type TicketDetail, type Upload } from './ticket.api';

// The reply / internal-note / forward editor under a ticket: formatted or plain text, attachments,
// Cc and Bcc (reply-all offers the people the customer copied), canned replies, a draft kept on
// the server (survives a reload), and the presence heartbeat.

export type Mode = 'reply' | 'note' | 'forward';

/** A request from the conversation above: forward a message, or reply to all of a message's people. */
export interface ComposerRequest {
  kind: 'forward' | 'reply-all';
  messageId: string;
  nonce: number;
}

const SAVE_DELAY_MS = 800;

export function Composer(props: {
  ticket: TicketDetail;
  me: User;
  request: ComposerRequest | null;
  onSent: () => void;
}) {
  const { ticket, me, request, onSent } = props;
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>('reply');
  const [format, setFormat] = useState<'rich' | 'plain'>('rich');
  const [html, setHtml] = useState('');
  const [text, setText] = useState('');
  const [to, setTo] = useState('');
  const [cc, setCc] = useState('');
  const [bcc, setBcc] = useState('');
  const [copies, setCopies] = useState(false);
  const [files, setFiles] = useState<Upload[]>([]);
  const [forwardOf, setForwardOf] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState<'saved' | 'saving' | null>(null);
  const editor = useRef<Editor | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const loaded = useRef(false);
  const limits = useUploadLimits().data;
  const canned = useQuery({ queryKey: ['canned'], queryFn: ticketApi.cannedReplies, staleTime: 60_000 });
  const draft = useQuery({
    queryKey: ['draft', ticket.id],
    queryFn: () => ticketApi.draft(ticket.id),
    staleTime: Infinity,
  });

  const copied = latestCustomerCc(ticket);
  const empty = !text.trim() && files.length === 0;

  const reset = () => {
    setHtml('');
    setText('');
    setTo('');
    setCc('');
    setBcc('');
    setCopies(false);
    setFiles([]);
    setForwardOf(null);
    if (mode === 'forward') setMode('reply');
  };

  // The saved draft, once, when the ticket opens.
  useEffect(() => {
    if (loaded.current || !draft.isSuccess) return;
    loaded.current = true;
    const d = draft.data.content;
    if (!d) return;
    // A forward comes back as a forward while its message is on the ticket; otherwise as an internal
    // note, never as a reply: its words were written for someone other than the customer.
    const forwardable = d.mode === 'forward' && !!d.forwardOf && ticket.messages.some((m) => m.id === d.forwardOf);
    setMode(forwardable ? 'forward' : d.mode === 'note' || d.mode === 'forward' ? 'note' : 'reply');
    if (forwardable) setForwardOf(d.forwardOf ?? null);
    setHtml(d.html ?? '');
    setText(d.body ?? '');
    if (!d.html && d.body) setFormat('plain');
    setTo((d.to ?? []).join(', '));
    setCc((d.cc ?? []).join(', '));
    setBcc((d.bcc ?? []).join(', '));
    setCopies(!!(d.cc?.length || d.bcc?.length));
    setFiles(d.attachments ?? []);
  }, [draft.isSuccess, draft.data]);

  // Saved a moment after the last change; an empty composer removes the draft.
  useEffect(() => {
    if (!loaded.current) return;
    const content: Draft = {
      mode,
      forwardOf: mode === 'forward' ? forwardOf : null,
      body: text,
      html: format === 'rich' ? html : '',
      cc: splitAddresses(cc),
      bcc: splitAddresses(bcc),
      to: splitAddresses(to),
      attachments: files,
    };
    const blank = !text.trim() && files.length === 0 && !cc.trim() && !bcc.trim();
    const timer = window.setTimeout(() => {
      setSavedAt('saving');
      const done = blank ? ticketApi.discardDraft(ticket.id) : ticketApi.saveDraft(ticket.id, content);
      void done.then(
        () => {
          setSavedAt(blank ? null : 'saved');
          queryClient.setQueryData(['draft', ticket.id], { content: blank ? null : content });
        },
        () => setSavedAt(null),
      );
    }, SAVE_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [mode, forwardOf, format, html, text, to, cc, bcc, files, ticket.id, queryClient]);

  // Forward / reply-all asked for from a message above.
  useEffect(() => {
    if (!request) return;
    if (request.kind === 'forward') {
      setMode('forward');
      setForwardOf(request.messageId);
    } else {
      setMode('reply');
      const m = ticket.messages.find((x) => x.id === request.messageId);
      const all = splitAddresses([cc, ...(m?.cc ?? [])].join(','));
      setCc(all.join(', '));
      setCopies(true);
    }
    window.setTimeout(() => focusBody(), 0);
    // Only a new request (nonce) acts.
  }, [request?.nonce]);

  const focusBody = () => (format === 'rich' ? editor.current?.commands.focus() : area.current?.focus());

  const send = useMutation({
    mutationFn: () => {
      const content: Composed =
        format === 'rich' && hasFormatting(html)
          ? { html, attachmentIds: files.map((f) => f.id) }
          : { body: text, attachmentIds: files.map((f) => f.id) };
      if (mode === 'note') return ticketApi.note(ticket.id, content);
      const recipients = { cc: splitAddresses(cc), bcc: splitAddresses(bcc) };
      if (mode === 'forward' && forwardOf) {
        return ticketApi.forward(ticket.id, forwardOf, { ...content, ...recipients, to: splitAddresses(to) });
      }
      return ticketApi.reply(ticket.id, { ...content, ...recipients });
    },
    onSuccess: () => {
      reset();
      void ticketApi.discardDraft(ticket.id).catch(() => undefined);
      queryClient.setQueryData(['draft', ticket.id], { content: null });
      setSavedAt(null);
      onSent();
    },
  });
  const submit = () => {
    if (!empty && !send.isPending && (mode !== 'forward' || splitAddresses(to).length > 0)) send.mutate();
  };

  // Presence heartbeat: now, every 10 s, and when typing starts or stops; "leaving" on close.
  const typing = text.length > 0;
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
        focusBody();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const insertCanned = async (id: string) => {
    if (!id) return;
    const r = await ticketApi.renderCanned(id, ticket.id);
    if (format === 'rich' && editor.current) {
      editor.current.chain().focus('end').insertContent(textToHtml(r.body)).run();
    } else {
      setText((b) => (b ? `${b}\n\n${r.body}` : r.body));
      area.current?.focus();
    }
  };

  const switchFormat = () => {
    if (format === 'rich') {
      setFormat('plain');
      setHtml('');
    } else {
      setFormat('rich');
      setHtml(text ? textToHtml(text) : '');
    }
  };

  const onImage = useCallback(async (file: File) => {
    const { uploads } = await ticketApi.upload([file]);
    const u = uploads[0];
    return u ? { src: `/api/uploads/${u.id}/content`, alt: u.filename } : null;
  }, []);
  const onReady = useCallback((e: Editor | null) => {
    editor.current = e;
  }, []);

  const label = mode === 'reply' ? 'Reply' : mode === 'note' ? 'Internal note' : 'Forward note';
  const forwarded = forwardOf ? ticket.messages.find((m) => m.id === forwardOf) : null;
  const missingCopies = copied.filter((a) => !splitAddresses(cc).includes(a));

  return (
    <section className={`composer ${mode}`} aria-label="Write">
      <div role="tablist" aria-label="Reply or note">
        <button type="button" role="tab" aria-selected={mode === 'reply'} onClick={() => setMode('reply')}>
          Reply to customer (r)
        </button>
        <button type="button" role="tab" aria-selected={mode === 'note'} onClick={() => setMode('note')}>
          Internal note (n)
        </button>
        {mode === 'forward' && (
          <button type="button" role="tab" aria-selected>
            Forward
          </button>
        )}
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {mode !== 'note' && limits && !limits.smtpConfigured && (
          <p className="notice" role="status" data-testid="smtp-missing">
            No outgoing mail server is configured: what you send here is kept and waits until one is (an admin sets
            SMTP_URL).
          </p>
        )}
        {mode === 'forward' && (
          <div className="recipients">
            <p className="muted">
              Forwarding the {forwarded?.direction === 'in' ? "customer's message" : 'reply'} of{' '}
              {forwarded ? new Date(forwarded.createdAt).toLocaleString() : ''} with its attachments.{' '}
              <button type="button" className="link" onClick={() => reset()}>
                Cancel forward
              </button>
            </p>
            <label htmlFor="composer-to">To</label>
            <input
              id="composer-to"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              placeholder="name@partner.example"
              autoComplete="off"
            />
          </div>
        )}
        {mode !== 'note' && (
          <div className="recipients">
            {!copies ? (
              <button type="button" className="link" onClick={() => setCopies(true)}>
                Cc / Bcc
              </button>
            ) : (
              <>
                <label htmlFor="composer-cc">Cc</label>
                <input id="composer-cc" value={cc} onChange={(e) => setCc(e.target.value)} autoComplete="off" />
                <label htmlFor="composer-bcc">Bcc</label>
                <input id="composer-bcc" value={bcc} onChange={(e) => setBcc(e.target.value)} autoComplete="off" />
              </>
            )}
            {mode === 'reply' && missingCopies.length > 0 && (
              <button
                type="button"
                className="link"
                onClick={() => {
                  setCc(splitAddresses([cc, ...copied].join(',')).join(', '));
                  setCopies(true);
                }}
              >
                Reply all (add {missingCopies.join(', ')})
              </button>
            )}
          </div>
        )}
        <AttachmentDrop id="composer-files" files={files} onChange={setFiles}>
          {format === 'rich' ? (
            <RichEditor
              id="composer-body"
              label={label}
              html={html}
              onChange={(h, t) => {
                setHtml(h);
                setText(t);
              }}
              onSubmit={submit}
              onReady={onReady}
              onImage={onImage}
            />
          ) : (
            <>
              <label htmlFor="composer-body" className="sr-only">
                {label}
              </label>
              <textarea
                id="composer-body"
                ref={area}
                rows={6}
                value={text}
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
                  if (e.key === 'Escape') area.current?.blur();
                }}
                placeholder={
                  mode === 'note'
                    ? 'Only agents see internal notes'
                    : `Write to ${ticket.contact.name ?? 'the customer'} as ${me.name} (Ctrl+Enter sends)`
                }
              />
            </>
          )}
        </AttachmentDrop>
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
          <button type="button" className="link" onClick={switchFormat}>
            {format === 'rich' ? 'Plain text' : 'Formatted text'}
          </button>
          <span className="muted draft-state" role="status">
            {savedAt === 'saved' ? 'Draft saved' : savedAt === 'saving' ? 'Saving draft…' : ''}
          </span>
          <button
            type="submit"
            className="primary"
            disabled={send.isPending || empty || (mode === 'forward' && splitAddresses(to).length === 0)}
          >
            {send.isPending ? 'Sending…' : mode === 'reply' ? 'Send reply' : mode === 'note' ? 'Add note' : 'Forward'}
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

/** Who the customer copied on their latest message (offered for reply-all), without our own people. */
function latestCustomerCc(ticket: TicketDetail): string[] {
  const latest = [...ticket.messages].reverse().find((m) => m.direction === 'in' && !m.internal);
  const own = ticket.contact.email?.toLowerCase();
  return (latest?.cc ?? []).map((a) => a.toLowerCase()).filter((a) => a !== own);
}

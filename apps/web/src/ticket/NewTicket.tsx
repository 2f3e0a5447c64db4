import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { navigate } from '../shared/router';
import { useDirectory } from '../shell/directory';
import type { User } from '../shell/session.api';
import { AttachmentDrop, useUploadLimits } from './Attachments';
import { hasFormatting, splitAddresses } from './compose-text';
import { RichEditor } from './RichEditor';
import { ticketApi, type ContactHit, type Upload } from './ticket.api';

// "New ticket" from the inbox header: an agent opens a ticket for a customer, either a phone call
// written down (no email is sent) or an email the desk sends first, with group, priority, tags and
// attachments. The form lives in a modal dialog; on success the new ticket opens.

export function NewTicketButton() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  return (
    <>
      <button type="button" className="primary new-ticket" onClick={() => setOpen(true)}>
        New ticket
      </button>
      <dialog
        ref={dialog}
        className="new-ticket-dialog"
        aria-labelledby="new-ticket-title"
        onClose={() => setOpen(false)}
      >
        {open && <NewTicketForm onClose={() => setOpen(false)} />}
      </dialog>
    </>
  );
}

function NewTicketForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const dir = useDirectory();
  // Agents create tickets only in their own groups (the server refuses the others); supervisors and
  // admins in any.
  const me = queryClient.getQueryData<User>(['me']);
  const groups = me?.role === 'agent' ? dir.groups.filter((g) => g.member) : dir.groups;
  const limits = useUploadLimits().data;
  const [kind, setKind] = useState<'phone' | 'email'>('phone');
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<ContactHit | null>(null);
  const [isNew, setIsNew] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [subject, setSubject] = useState('');
  const [html, setHtml] = useState('');
  const [text, setText] = useState('');
  const [cc, setCc] = useState('');
  const [groupId, setGroupId] = useState('');
  const [priority, setPriority] = useState('normal');
  const [tags, setTags] = useState('');
  const [files, setFiles] = useState<Upload[]>([]);
  const term = query.trim();
  const hits = useQuery({
    queryKey: ['contact-search', term],
    queryFn: () => ticketApi.searchContacts(term),
    enabled: !picked && !isNew && term.length >= 2,
    staleTime: 30_000,
  });

  const create = useMutation({
    mutationFn: () =>
      ticketApi.create({
        kind,
        ...(picked ? { contactId: picked.id } : { contact: { name: name.trim(), email: email.trim() } }),
        subject: subject.trim(),
        ...(hasFormatting(html) ? { html } : { body: text }),
        cc: kind === 'email' ? splitAddresses(cc) : [],
        groupId: groupId || null,
        priority,
        tags: tags
          .split(/[\s,]+/)
          .map((t) => t.trim())
          .filter(Boolean),
        attachmentIds: files.map((f) => f.id),
      }),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      void queryClient.invalidateQueries({ queryKey: ['views'] });
      onClose();
      navigate(`/tickets/${r.ticketId}`);
    },
  });

  const hasContact = !!picked || (isNew && name.trim() !== '' && email.trim() !== '');
  const ready = hasContact && subject.trim() !== '' && (text.trim() !== '' || files.length > 0);

  return (
    <form
      className="new-ticket-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready && !create.isPending) create.mutate();
      }}
    >
      <h2 id="new-ticket-title">New ticket</h2>
      <fieldset className="kind-choice">
        <legend>What happened</legend>
        <label>
          <input type="radio" name="nt-kind" checked={kind === 'phone'} onChange={() => setKind('phone')} /> Phone call
          (no email is sent)
        </label>
        <label>
          <input type="radio" name="nt-kind" checked={kind === 'email'} onChange={() => setKind('email')} /> Outbound
          email (sent to the customer now)
        </label>
      </fieldset>
      {kind === 'email' && limits && !limits.smtpConfigured && (
        <p className="notice" role="status">
          No outgoing mail server is configured: the email is kept and waits until one is.
        </p>
      )}

      <fieldset>
        <legend>Customer</legend>
        {picked ? (
          <p>
            <strong>{picked.name ?? picked.email}</strong> {picked.email && <span>&lt;{picked.email}&gt;</span>}{' '}
            <button type="button" className="link" onClick={() => setPicked(null)}>
              Change
            </button>
          </p>
        ) : isNew ? (
          <>
            <label htmlFor="nt-name">Name</label>
            <input id="nt-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
            <label htmlFor="nt-email">Email</label>
            <input
              id="nt-email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              autoComplete="off"
            />
            <button type="button" className="link" onClick={() => setIsNew(false)}>
              Find an existing customer instead
            </button>
          </>
        ) : (
          <>
            <label htmlFor="nt-search">Find customer (name, address or company)</label>
            <input
              id="nt-search"
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              autoComplete="off"
            />
            {(hits.data ?? []).length > 0 && (
              <ul className="contact-hits" aria-label="Matching customers">
                {(hits.data ?? []).map((c) => (
                  <li key={c.id}>
                    <button type="button" className="link" onClick={() => setPicked(c)}>
                      {c.name ?? c.email} {c.email && `<${c.email}>`} {c.company && `· ${c.company}`}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {term.length >= 2 && hits.isSuccess && hits.data.length === 0 && (
              <p className="muted">No customer matches.</p>
            )}
            <button
              type="button"
              className="link"
              onClick={() => {
                setIsNew(true);
                if (term.includes('@')) setEmail(term);
                else setName(term);
              }}
            >
              New customer
            </button>
          </>
        )}
      </fieldset>

      <label htmlFor="nt-subject">Subject</label>
      <input id="nt-subject" value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={200} />
      {kind === 'email' && (
        <>
          <label htmlFor="nt-cc">Cc</label>
          <input id="nt-cc" value={cc} onChange={(e) => setCc(e.target.value)} autoComplete="off" />
        </>
      )}
      <span className="label" id="nt-body-label">
        {kind === 'phone' ? 'What the customer said' : 'Message'}
      </span>
      <AttachmentDrop id="nt-files" files={files} onChange={setFiles}>
        <RichEditor
          id="nt-body"
          label={kind === 'phone' ? 'What the customer said' : 'Message'}
          html={html}
          onChange={(h, t) => {
            setHtml(h);
            setText(t);
          }}
        />
      </AttachmentDrop>
      <div className="nt-props">
        <label>
          Group
          <select value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">No group</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            {['low', 'normal', 'high', 'urgent'].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Tags
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="billing, vip" />
        </label>
      </div>
      {create.error && (
        <p className="error" role="alert">
          {create.error.message}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!ready || create.isPending}>
          {create.isPending ? 'Creating…' : kind === 'phone' ? 'Create ticket' : 'Create and send'}
        </button>
      </div>
    </form>
  );
}

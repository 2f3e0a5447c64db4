import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { fileSize } from '../shared/format';
import { ticketApi, type Upload } from './ticket.api';

/** Upload limits and whether outgoing mail is configured (the composer shows both). */
export function useUploadLimits() {
  return useQuery({ queryKey: ['upload-limits'], queryFn: ticketApi.uploadLimits, staleTime: 60_000 });
}

/**
 * Files for a reply, note or new ticket: dropped anywhere on `children` or picked with the button,
 * uploaded at once (so sending is quick and a refused file is told before sending), removable.
 * Limits are checked here first for a quick answer; the server checks them again, with the type
 * against the bytes.
 */
export function AttachmentDrop(props: {
  id: string;
  files: Upload[];
  onChange: (files: Upload[]) => void;
  children: ReactNode;
}) {
  const { id, files, onChange, children } = props;
  const limits = useUploadLimits().data;
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const add = async (picked: File[]) => {
    if (picked.length === 0) return;
    setError(null);
    if (limits) {
      if (files.length + picked.length > limits.maxFiles) {
        setError(`At most ${limits.maxFiles} files per message.`);
        return;
      }
      const big = picked.find((f) => f.size > limits.maxBytes);
      if (big) {
        setError(`${big.name} is ${fileSize(big.size)}; each file may be at most ${fileSize(limits.maxBytes)}.`);
        return;
      }
    }
    setBusy(true);
    try {
      const { uploads } = await ticketApi.upload(picked);
      onChange([...files, ...uploads]);
    } catch (e) {
      setError(`Could not attach ${picked.map((f) => f.name).join(', ')}: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const remove = (file: Upload) => {
    onChange(files.filter((f) => f.id !== file.id));
    void ticketApi.removeUpload(file.id).catch(() => undefined);
  };

  return (
    <div
      className={`drop-zone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        if (e.dataTransfer.files.length === 0) return;
        e.preventDefault();
        setOver(false);
        void add([...e.dataTransfer.files]);
      }}
    >
      {children}
      <div className="attach-row">
        <button type="button" onClick={() => input.current?.click()} disabled={busy}>
          {busy ? 'Uploading…' : 'Attach files'}
        </button>
        <input
          ref={input}
          id={id}
          type="file"
          multiple
          hidden
          aria-hidden="true"
          tabIndex={-1}
          onChange={(e) => {
            const picked = [...(e.target.files ?? [])];
            e.target.value = '';
            void add(picked);
          }}
        />
        <span className="muted">
          or drop files here
          {limits && ` · up to ${limits.maxFiles} files, ${fileSize(limits.maxBytes)} each`}
        </span>
      </div>
      {files.length > 0 && (
        <ul className="upload-list" aria-label="Attached files">
          {files.map((f) => (
            <li key={f.id}>
              {f.filename} <span className="muted">{fileSize(f.size)}</span>{' '}
              <button type="button" className="link" aria-label={`Remove ${f.filename}`} onClick={() => remove(f)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

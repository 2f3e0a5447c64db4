import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from './Admin';
import { deskAdminApi, type DeskSettings, type Role } from './desk-admin.api';

const ROLES: Role[] = ['agent', 'supervisor', 'admin'];

/** Desk name, public URL, sender address and two-factor roles; `onSaved` lets the set-up screen move on. */
export function DeskSettingsSection({
  onSaved,
  saveLabel = 'Save settings',
}: {
  onSaved?: () => void;
  saveLabel?: string;
}) {
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['admin', 'settings'], queryFn: deskAdminApi.settings });
  const [draft, setDraft] = useState<DeskSettings | null>(null);
  useEffect(() => {
    if (settings.data) setDraft(settings.data);
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (d: DeskSettings) => deskAdminApi.saveSettings(d),
    onSuccess: (d) => {
      queryClient.setQueryData(['admin', 'settings'], d);
      onSaved?.();
    },
  });
  if (!draft) return <p className="loading">Loading…</p>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(draft);
  };
  return (
    <section className="settings-section" aria-labelledby="desk-title">
      <h2 id="desk-title">Desk & security</h2>
      <form className="settings-form" onSubmit={submit}>
        <label htmlFor="desk-name">Desk name</label>
        <input
          id="desk-name"
          required
          value={draft.deskName}
          onChange={(e) => setDraft({ ...draft, deskName: e.target.value })}
        />
        <label htmlFor="desk-url">Public URL</label>
        <input
          id="desk-url"
          type="url"
          required
          value={draft.publicUrl}
          onChange={(e) => setDraft({ ...draft, publicUrl: e.target.value })}
        />
        <label htmlFor="desk-sender">Sender address</label>
        <input
          id="desk-sender"
          type="email"
          required
          value={draft.senderAddress}
          onChange={(e) => setDraft({ ...draft, senderAddress: e.target.value })}
        />
        <fieldset>
          <legend>Roles that must use two-factor sign-in</legend>
          {ROLES.map((r) => (
            <label key={r}>
              <input
                type="checkbox"
                checked={draft.twoFactorRoles.includes(r)}
                onChange={(e) =>
                  setDraft({
                    ...draft,
                    twoFactorRoles: e.target.checked
                      ? [...draft.twoFactorRoles, r]
                      : draft.twoFactorRoles.filter((x) => x !== r),
                  })
                }
              />{' '}
              {r}
            </label>
          ))}
        </fieldset>
        {save.error && (
          <p className="error" role="alert">
            {errorText(save.error)}
          </p>
        )}
        {save.isSuccess && (
          <p className="notice" role="status">
            Saved.
          </p>
        )}
        <button type="submit" className="primary" disabled={save.isPending}>
          {saveLabel}
        </button>
      </form>
    </section>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../shared/http';
import { errorText } from './Admin';
import { deskAdminApi, type Group } from './desk-admin.api';

export function Groups({ canEdit }: { canEdit: boolean }) {
  const queryClient = useQueryClient();
  const groups = useQuery({ queryKey: ['admin', 'groups'], queryFn: deskAdminApi.groups });
  const [name, setName] = useState('');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin', 'groups'] });
  const create = useMutation({
    mutationFn: () => deskAdminApi.createGroup(name),
    onSuccess: () => {
      setName('');
      refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <section className="settings-section" aria-labelledby="groups-title">
      <h2 id="groups-title">Groups</h2>
      <p className="muted">
        Agents see the tickets of their groups. A mailbox can send its new tickets to a group (Mailboxes).
      </p>
      {canEdit && (
        <form className="inline-form" onSubmit={submit}>
          <label htmlFor="group-name">New group</label>
          <input id="group-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create group
          </button>
          {create.error && (
            <p className="error" role="alert">
              {errorText(create.error)}
            </p>
          )}
        </form>
      )}
      <ul className="settings-list" aria-label="Groups">
        {(groups.data ?? []).map((g) => (
          <GroupItem
            key={g.id}
            group={g}
            others={(groups.data ?? []).filter((o) => o.id !== g.id)}
            canEdit={canEdit}
            onChanged={refresh}
          />
        ))}
      </ul>
      {groups.data?.length === 0 && <p className="empty">No groups yet.</p>}
    </section>
  );
}

function GroupItem({
  group,
  others,
  canEdit,
  onChanged,
}: {
  group: Group;
  others: Group[];
  canEdit: boolean;
  onChanged: () => void;
}) {
  const [mode, setMode] = useState<'view' | 'rename' | 'members' | 'delete'>('view');
  const [name, setName] = useState(group.name);
  const [reassign, setReassign] = useState('none');
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: deskAdminApi.users, enabled: mode === 'members' });
  const [members, setMembers] = useState<string[]>(group.members.map((m) => m.id));
  const done = () => {
    setMode('view');
    onChanged();
  };
  const rename = useMutation({ mutationFn: () => deskAdminApi.renameGroup(group.id, name), onSuccess: done });
  const save = useMutation({ mutationFn: () => deskAdminApi.setMembers(group.id, members), onSuccess: done });
  const remove = useMutation({
    mutationFn: (target?: string) => deskAdminApi.deleteGroup(group.id, target),
    onSuccess: onChanged,
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'group_in_use') setMode('delete');
    },
  });
  const failure = rename.error ?? save.error ?? (mode === 'delete' ? null : remove.error);

  return (
    <li className="settings-item group-item">
      <div>
        <strong>{group.name}</strong>
        <p className="muted">
          {group.members.length === 0 ? 'No members' : group.members.map((m) => m.name).join(', ')} · {group.tickets}{' '}
          tickets · {group.mailboxes} mailboxes
        </p>
        {mode === 'rename' && (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate();
            }}
          >
            <label htmlFor={`rename-${group.id}`}>New name</label>
            <input id={`rename-${group.id}`} value={name} required onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="primary">
              Save
            </button>
            <button type="button" onClick={() => setMode('view')}>
              Cancel
            </button>
          </form>
        )}
        {mode === 'members' && (
          <fieldset className="members">
            <legend>Members of {group.name}</legend>
            {(users.data ?? [])
              .filter((u) => u.active)
              .map((u) => (
                <label key={u.id}>
                  <input
                    type="checkbox"
                    checked={members.includes(u.id)}
                    onChange={(e) =>
                      setMembers((m) => (e.target.checked ? [...m, u.id] : m.filter((id) => id !== u.id)))
                    }
                  />{' '}
                  {u.name} ({u.role})
                </label>
              ))}
            <div className="settings-actions">
              <button type="button" className="primary" onClick={() => save.mutate()}>
                Save members
              </button>
              <button type="button" onClick={() => setMode('view')}>
                Cancel
              </button>
            </div>
          </fieldset>
        )}
        {mode === 'delete' && (
          <div className="inline-form" role="group" aria-label={`Delete ${group.name}`}>
            <p>
              {group.tickets} tickets and {group.mailboxes} mailboxes use this group. Move them to:
            </p>
            <label htmlFor={`reassign-${group.id}`}>Move to</label>
            <select id={`reassign-${group.id}`} value={reassign} onChange={(e) => setReassign(e.target.value)}>
              <option value="none">No group</option>
              {others.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <button type="button" className="primary" onClick={() => remove.mutate(reassign)}>
              Move and delete
            </button>
            <button type="button" onClick={() => setMode('view')}>
              Cancel
            </button>
          </div>
        )}
        {failure && (
          <p className="error" role="alert">
            {errorText(failure)}
          </p>
        )}
      </div>
      {canEdit && mode === 'view' && (
        <div className="settings-actions">
          <button type="button" onClick={() => setMode('rename')} aria-label={`Rename ${group.name}`}>
            Rename
          </button>
          <button type="button" onClick={() => setMode('members')} aria-label={`Members of ${group.name}`}>
            Members
          </button>
          <button
            type="button"
            onClick={() => window.confirm(`Delete the group "${group.name}"?`) && remove.mutate(undefined)}
            aria-label={`Delete ${group.name}`}
          >
            Delete
          </button>
        </div>
      )}
    </li>
  );
}

import { useQuery } from '@tanstack/react-query';
import { get, type Named } from './api';

export interface Directory {
  users: Array<Named & { role: string }>;
  groups: Named[];
  mailboxes: Named[];
  tags: string[];
  userName: (id: string | null) => string;
  groupName: (id: string | null) => string;
}

/** Staff, groups, mailboxes and tags for pickers and labels, loaded once and cached. */
export function useDirectory(): Directory {
  const opts = { staleTime: 5 * 60_000 };
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => get<{ items: Directory['users'] }>('/api/users'),
    ...opts,
  });
  const groups = useQuery({ queryKey: ['groups'], queryFn: () => get<{ items: Named[] }>('/api/groups'), ...opts });
  const mailboxes = useQuery({
    queryKey: ['mailboxes'],
    queryFn: () => get<{ items: Named[] }>('/api/mailboxes'),
    ...opts,
  });
  const tags = useQuery({ queryKey: ['tags'], queryFn: () => get<{ items: string[] }>('/api/tags'), ...opts });
  const u = users.data?.items ?? [];
  const g = groups.data?.items ?? [];
  return {
    users: u,
    groups: g,
    mailboxes: mailboxes.data?.items ?? [],
    tags: tags.data?.items ?? [],
    userName: (id) => (id ? (u.find((x) => x.id === id)?.name ?? 'someone') : 'nobody'),
    groupName: (id) => (id ? (g.find((x) => x.id === id)?.name ?? 'a group') : 'no group'),
  };
}

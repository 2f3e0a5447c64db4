import { useQuery } from '@tanstack/react-query';
import { directoryApi, type Named } from './directory.api';

export interface Directory {
  users: Array<Named & { role: string }>;
  groups: Array<Named & { member: boolean }>;
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
    queryFn: directoryApi.users,
    ...opts,
  });
  const groups = useQuery({ queryKey: ['groups'], queryFn: directoryApi.groups, ...opts });
  const mailboxes = useQuery({
    queryKey: ['mailboxes'],
    queryFn: directoryApi.mailboxes,
    ...opts,
  });
  const tags = useQuery({ queryKey: ['tags'], queryFn: directoryApi.tags, ...opts });
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

// Staff, groups, mailboxes and tags: the small lists every staff screen labels things with.
import { get } from '../shared/http';

export interface Named {
  id: string;
  name: string;
}

export const directoryApi = {
  users: () => get<{ items: Array<Named & { role: string }> }>('/api/users'),
  /** `member`: whether the signed-in member of staff belongs to the group. */
  groups: () => get<{ items: Array<Named & { member: boolean }> }>('/api/groups'),
  mailboxes: () => get<{ items: Named[] }>('/api/mailboxes'),
  tags: () => get<{ items: string[] }>('/api/tags'),
};

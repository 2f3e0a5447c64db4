import type { ImapFlow, SearchObject } from 'imapflow';

/** A UID SEARCH that got no answer: the connection closed (or was never selected) under it. */
export class ImapSearchError extends Error {
  readonly code = 'imap_search_failed';
  constructor() {
    super('the IMAP search got no answer');
  }
}

/**
 * UID SEARCH that never mistakes "no answer" for "no match". imapflow resolves `search()` to
 * undefined when no folder is selected (as after the connection dropped during a NOOP, which
 * imapflow swallows) and to false when the server refused it; read as an empty list, either made
 * a settle batch count every message as already gone and mark it settled while its copy stayed
 * in the folder (the chaos soak caught 18 such copies). This throws instead, so the caller
 * retries on a fresh session.
 */
export async function searchUids(client: ImapFlow, query: SearchObject): Promise<number[]> {
  const result = await client.search(query, { uid: true });
  if (!Array.isArray(result)) throw new ImapSearchError();
  return result;
}

import type { AppConfig } from '@app/config';

/** An absolute link into the portal (PUBLIC_URL + path + query). */
export function portalUrl(config: AppConfig, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, config.values.PUBLIC_URL.replace(/\/?$/, '/'));
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

/** Where a customer reads a ticket in the portal; put into acknowledgements and replies. */
export function portalTicketUrl(publicUrl: string, ticketNumber: number): string {
  return `${publicUrl.replace(/\/$/, '')}/portal/requests/T-${ticketNumber}`;
}

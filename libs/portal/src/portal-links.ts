import type { AppConfig } from '@app/config';

/** An absolute link into the portal (PUBLIC_URL + path + query). */
export function portalUrl(config: AppConfig, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, config.values.PUBLIC_URL.replace(/\/?$/, '/'));
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

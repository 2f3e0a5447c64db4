/** An absolute link into the portal: the desk's public URL (see readDeskSettings) + path + query. */
export function portalUrl(publicUrl: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path, publicUrl.replace(/\/?$/, '/'));
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

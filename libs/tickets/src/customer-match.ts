/**
 * SQL selecting the ids of contacts whose address (primary or further), name, company or
 * organisation contains every term (see customerSearchTerms). Each branch uses a trigram index of
 * migration 1765300000000, whose indexed expression it repeats exactly.
 */
export function contactMatchSql(terms: string[], param: (value: unknown) => string): string {
  const patterns = terms.map((t) => param(`%${t}%`));
  const all = (expr: string) => patterns.map((p) => `${expr} LIKE ${p}`).join(' AND ');
  return `SELECT c.id FROM contacts c
      WHERE ${all(`lower(coalesce(c.email, '') || ' ' || coalesce(c.name, '') || ' ' || coalesce(c.company, ''))`)}
    UNION SELECT a.contact_id FROM contact_addresses a WHERE ${all('a.email')}
    UNION SELECT c.id FROM organisations o JOIN contacts c ON c.organisation_id = o.id WHERE ${all('lower(o.name)')}`;
}

/** Values a canned reply may use. Anything else in braces is left as typed. */
export interface TemplateValues {
  'customer.name': string;
  'customer.email': string;
  'ticket.reference': string;
  'ticket.subject': string;
  'agent.name': string;
}

export const TEMPLATE_PLACEHOLDERS: Array<keyof TemplateValues> = [
  'customer.name',
  'customer.email',
  'ticket.reference',
  'ticket.subject',
  'agent.name',
];

/** Fills `{{customer.name}}`-style placeholders (spaces inside the braces allowed). */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (whole, key: string) =>
    key in values ? values[key as keyof TemplateValues] : whole,
  );
}

/**
 * Placeholders in `template` that are not known (a typo such as `{{contact.name}}` would otherwise
 * be sent literally). Templates, signatures and canned replies are refused when saved with any.
 */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(TEMPLATE_PLACEHOLDERS);
  const found = [...template.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1] ?? '');
  return [...new Set(found.filter((name) => !known.has(name)))];
}

/** The error message for a template with unknown placeholders, listing the known ones. */
export function placeholderError(unknown: string[]): string {
  return `Unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{${u}}}`).join(', ')}; known: ${TEMPLATE_PLACEHOLDERS.map((k) => `{{${k}}}`).join(', ')}`;
}

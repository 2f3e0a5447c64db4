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

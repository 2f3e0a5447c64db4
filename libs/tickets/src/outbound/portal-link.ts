/**
 * Mail to the customer (acknowledgements, agent replies) ends with the request's page in the
 * customer portal (issue 13), where the whole conversation and the attachments are.
 */
export function withPortalLink(text: string, publicUrl: string, ticketNumber: number): string {
  const url = `${publicUrl.replace(/\/+$/, '')}/portal/requests/T-${ticketNumber}`;
  return `${text.replace(/\s+$/, '')}\n\n-- \nFollow this request online: ${url}\n`;
}

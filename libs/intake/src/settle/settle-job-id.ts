/** Job id of the settle job of one staging row (a distinct id from its process-inbound job). */
export function settleJobId(inboundMessageId: string): string {
  return `settle-${inboundMessageId}`;
}

import { useMutation } from '@tanstack/react-query';
import { absoluteTime } from '../shared/format';
import { deliveryState } from './delivery';
import { ticketApi, type Message } from './ticket.api';

/**
 * An outbound message's delivery: the badge in the message head (`part="badge"`) and, when there
 * is something to say, the sentence with the reason and a Retry button where a retry can help
 * (`part="detail"`). Live events refresh the ticket, so the state moves without a reload.
 */
export function DeliveryLine(props: { ticketId: string; m: Message; part: 'badge' | 'detail'; onRetried: () => void }) {
  const { ticketId, m, part, onRetried } = props;
  const retry = useMutation({ mutationFn: () => ticketApi.retry(ticketId, m.id), onSuccess: onRetried });
  if (!m.deliveryStatus) return null;
  const state = deliveryState(m.deliveryStatus, m.deliveryError);
  if (part === 'badge') {
    return (
      <span
        className={`delivery d-${state.tone}`}
        data-testid="delivery"
        title={m.sentAt ? `Accepted by the mail server ${absoluteTime(m.sentAt)}` : undefined}
      >
        {state.label}
      </span>
    );
  }
  if (!state.detail) return null;
  return (
    <div className={state.tone === 'failed' ? 'delivery-failed' : 'delivery-retrying'}>
      <p role={state.tone === 'failed' ? 'alert' : 'status'} data-testid="delivery-error">
        {state.detail}
      </p>
      {state.canRetry && (
        <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending}>
          {retry.isPending ? 'Retrying…' : 'Retry sending'}
        </button>
      )}
      {retry.error && (
        <p className="error" role="alert">
          {retry.error.message}
        </p>
      )}
    </div>
  );
}

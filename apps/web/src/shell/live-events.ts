import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { sessionApi } from './session.api';

interface LiveEvent {
  type: 'ticket' | 'message' | 'presence' | 'ping' | 'expired';
  ticketId?: string;
  viewers?: Array<{ userId: string; typing: boolean }>;
}

/**
 * Server-sent events from /api/events: new or changed tickets and messages refresh the lists and
 * the open ticket; presence updates the "also here" line. Returns whether the stream is connected.
 */
export function useLiveEvents(): boolean {
  const queryClient = useQueryClient();
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    const source = new EventSource('/api/events', { withCredentials: true });
    let pending: number | null = null;
    // Bursts (a bulk action touches 50 tickets) refresh the list once.
    const refreshLists = () => {
      if (pending !== null) return;
      pending = window.setTimeout(() => {
        pending = null;
        void queryClient.invalidateQueries({ queryKey: ['tickets'] });
        void queryClient.invalidateQueries({ queryKey: ['views'] });
      }, 300);
    };
    const ticketChanged = (ticketId: string) => {
      const key = ['ticket', ticketId];
      void queryClient.invalidateQueries({ queryKey: key, exact: true });
      // A ticket's first load already on its way is joined by the invalidation, not restarted
      // (TanStack Query restarts only a fetch that replaces data), and it may have read the ticket
      // before this change (seen: a new ticket's reply left "sending" after it was sent). Once that
      // load lands, the ticket is read again.
      const cache = queryClient.getQueryCache();
      const query = cache.find({ queryKey: key, exact: true });
      if (!query || query.state.data !== undefined || query.state.fetchStatus !== 'fetching') return;
      const stop = cache.subscribe((event) => {
        if (event.query !== query || query.state.fetchStatus !== 'idle') return;
        stop();
        void queryClient.invalidateQueries({ queryKey: key, exact: true });
      });
    };
    const onTicketish = (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as LiveEvent;
      refreshLists();
      if (data.ticketId) ticketChanged(data.ticketId);
    };
    source.addEventListener('ticket', onTicketish);
    source.addEventListener('message', onTicketish);
    source.addEventListener('presence', (e: MessageEvent<string>) => {
      const data = JSON.parse(e.data) as LiveEvent;
      if (data.ticketId) queryClient.setQueryData(['presence', data.ticketId], { viewers: data.viewers ?? [] });
    });
    source.addEventListener('expired', () => {
      source.close();
      // Any API call now answers 401, which returns the app to sign-in.
      void sessionApi.me().catch(() => undefined);
    });
    source.onopen = () => setConnected(true);
    source.onerror = () => {
      setConnected(false);
      // The browser retries by itself; find out whether the reason is an ended session.
      void sessionApi.me().catch(() => undefined);
    };
    return () => {
      if (pending !== null) window.clearTimeout(pending);
      source.close();
    };
  }, [queryClient]);

  return connected;
}

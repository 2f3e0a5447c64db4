import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What to do with one chunk passing the proxy: undefined passes it on unchanged; otherwise
 * `forward` (if given) is sent in its place, and `cut` then closes that connection both ways.
 */
export type ProxyVerdict = { forward?: Buffer; cut?: boolean } | undefined;

export interface TcpProxy {
  port: number;
  close(): void;
}

/**
 * A TCP proxy on a free loopback port in front of `target` (a test's Dovecot), for faults a real
 * network makes: a connection cut in the middle of an answer, a command the server never gets.
 * `fromClient` sees what the client sends, `fromServer` what the server answers, chunk by chunk.
 */
export async function startTcpProxy(
  target: number,
  hooks: { fromClient?(chunk: Buffer): ProxyVerdict; fromServer?(chunk: Buffer): ProxyVerdict } = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client);
    const close = (): void => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    const relay = (to: Socket, hook: ((chunk: Buffer) => ProxyVerdict) | undefined) => (chunk: Buffer) => {
      const verdict = hook?.(chunk);
      if (!verdict) return void to.write(chunk);
      if (verdict.forward) to.write(verdict.forward);
      if (verdict.cut) close();
    };
    client.on('data', relay(upstream, hooks.fromClient));
    upstream.on('data', relay(client, hooks.fromServer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

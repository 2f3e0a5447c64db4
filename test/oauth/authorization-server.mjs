// A real OAuth2/OIDC authorization server (the `oidc-provider` package) for the OAuth2 mailbox
// tests. Run as a child process (oidc-provider is ESM-only): `node oauth-server.mjs` with
// PORT, REDIRECT_URI, ACCOUNT and ACCESS_TTL in the environment; prints `ready <port>` once listening.
// The mailbox owner's sign-in and consent are granted at once (the test plays an admin who clicks
// "Allow"); everything else — PKCE, code exchange, refresh, revocation, introspection — is the
// library's own behaviour.
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const account = process.env.ACCOUNT ?? 'support@desk.test';
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'intake-desk',
      client_secret: 'desk-secret',
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    // The mail servers (Dovecot, the SMTP sink) introspect tokens as this client.
    {
      client_id: 'mail-server',
      client_secret: 'mail-server-secret',
      redirect_uris: [],
      grant_types: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true, allowedPolicy: () => true },
    revocation: { enabled: true },
  },
  issueRefreshToken: () => true,
  rotateRefreshToken: false,
  ttl: {
    AccessToken: Number(process.env.ACCESS_TTL ?? 3600),
    RefreshToken: 86400,
    AuthorizationCode: 60,
    Grant: 86400,
    Interaction: 600,
    Session: 600,
  },
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-cookie-key'] },
});
provider.proxy = false;

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId: account, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope ?? 'openid'));
  const grantId = await grant.save();
  const redirectTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: account }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.redirect(redirectTo);
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

// The local OpenID provider for `samtale dev` and the tests: npm oidc-provider (a certified
// OP), so development signs in through the same authorization code + PKCE flow as
// production. Never for production: any password is accepted on its dev login page.
//
// Configured by the environment (samtale/devstack.py and tests/web/provider.py set it):
//   OIDC_PORT, OIDC_ISSUER          where it listens and what it calls itself
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated)
//   OIDC_RESOURCE                   the API's audience: access tokens for it are RS256 JWTs
//   OIDC_USERS                      a JSON file: [{"sub", "email", "name", "employee_id"}]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

const port = Number(env('OIDC_PORT'));
const issuer = env('OIDC_ISSUER');
const resource = env('OIDC_RESOURCE');
const users = new Map(
  JSON.parse(readFileSync(env('OIDC_USERS'), 'utf8')).map((u) => [u.sub, u]),
);

// A fresh signing key per start: nothing secret is committed, and the relying party
// fetches it from /jwks as it would from any provider.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const claimsOf = (user) => ({
  sub: user.sub,
  email: user.email,
  email_verified: true,
  name: user.name,
  employee_id: user.employee_id,
});

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: env('OIDC_REDIRECT_URIS').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'employee_id'] },
  // The id_token carries the claims of its scopes, so the app needs no userinfo call.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resource) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'openid email profile',
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // Access tokens name the person as id tokens do, as Entra ID and Keycloak can be set to.
  extraTokenClaims: async (_ctx, token) => {
    const user = users.get(token.accountId);
    return user ? { email: user.email, employee_id: user.employee_id } : undefined;
  },
  // A first-party client: no consent screen, the grant is implied by signing in.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'employee_id']);
    grant.addResourceScope(resource, 'openid email profile');
    await grant.save();
    return grant;
  },
  findAccount: async (_ctx, sub) => {
    const user = users.get(sub);
    if (!user) return undefined;
    return { accountId: sub, claims: async () => claimsOf(user) };
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400 },
});
provider.proxy = false;

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer} with ${users.size} users`);
});

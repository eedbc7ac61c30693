// A small OpenID Connect identity provider for the single sign-on example (docs/deployment.md)
// and its end-to-end test (tests/browser/test_sso_browser.py). It stands in for the
// organisation's identity provider (Entra ID, Okta, Keycloak...): panva's certified
// oidc-provider, one confidential client (the reverse proxy), and the users given in
// IDP_USERS, each signing in with an e-mail address and a password on a plain form.
//
// Not for production: users and passwords come from the environment, and grants, sessions
// and the signing key live in memory (a restart signs everybody out).
//
// Settings (environment):
//   IDP_PORT            port to listen on, on 127.0.0.1 (default 8641)
//   IDP_ISSUER          the issuer URL (default http://127.0.0.1:<IDP_PORT>)
//   IDP_CLIENT_ID       the proxy's client id (default "scorecard")
//   IDP_CLIENT_SECRET   the proxy's client secret (required)
//   IDP_REDIRECT_URI    the proxy's redirect URI, e.g. http://127.0.0.1:8640/oidc/callback (required)
//   IDP_USERS           "email:password,email:password" (required)
//   IDP_POST_LOGOUT_URI where the provider may send the browser after signing out
//                       (default: the redirect URI's site, e.g. http://127.0.0.1:8640/)
import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`idp: set ${name} (see the top of ${import.meta.url})`);
    process.exit(2);
  }
  return value;
}

const port = Number(process.env.IDP_PORT || 8641);
const issuer = process.env.IDP_ISSUER || `http://127.0.0.1:${port}`;
const clientId = process.env.IDP_CLIENT_ID || 'scorecard';
const clientSecret = required('IDP_CLIENT_SECRET');
const redirectUri = required('IDP_REDIRECT_URI');
const postLogoutUri = process.env.IDP_POST_LOGOUT_URI || new URL('/', redirectUri).href;
const users = new Map(
  required('IDP_USERS').split(',').map((pair) => {
    const at = pair.lastIndexOf(':');
    return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1)];
  }),
);

// A fresh RSA key each start: the proxy reads it from the provider's JWKS.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: false, // the e-mail goes in the ID token too, not only in userinfo
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      // The proxy's logout sends the browser here; the person confirms (no external fonts).
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `<h1>Sign out of the example identity provider?</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>You are signed out.</h1>');
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    if (!users.has(id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, email: id, email_verified: true }) };
  },
  // The proxy is the organisation's own application: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
});

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>${title} – Example identity provider</title><link rel="icon" href="data:,"></head>
<body><main>${body}</main></body></html>`;
}

function loginPage(uid, message) {
  const alert = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
  return page('Sign in', `<h1>Example identity provider</h1>${alert}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="email">E-mail address</label> <input id="email" name="email" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form>`);
}

function passwordMatches(email, password) {
  const expected = users.get(email);
  if (expected === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(password);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

const oidc = provider.callback();

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'Unknown sign-in attempt.');
  if (req.method === 'GET' && !action) return send(res, 200, loginPage(uid));
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const email = (form.get('email') || '').trim().toLowerCase();
    if (!passwordMatches(email, form.get('password') || '')) {
      return send(res, 401, loginPage(uid, 'That e-mail address and password do not match.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: email } }, {
      mergeWithLastSubmission: false,
    });
  }
  return send(res, 405, 'Not allowed.');
}

const server = createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return oidc(req, res);
  try {
    return await interaction(req, res, match[1], match[2]);
  } catch (error) {
    console.error('idp:', error.message);
    return send(res, 400, `Sign-in failed: ${escapeHtml(error.message)}. Start again from the application.`);
  }
});

server.listen(port, '127.0.0.1', () => console.log(`idp: ${issuer} (client ${clientId})`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

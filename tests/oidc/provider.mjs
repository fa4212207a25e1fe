// A real OpenID Connect provider for Kurator's sign-in tests: oidc-provider on loopback, with
// one client, PKCE required and a few accounts. A test drives the sign-in over plain HTTP: the
// provider sends the browser to /interaction/<uid>; the test posts `login=<account>` to
// /interaction/<uid>/login, which signs the account in and grants consent in one step.
//
//   node provider.mjs   with   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   in the environment
//
// Prints "listening <issuer>" once it serves. It stops when its standard input closes, so a test
// that dies does not leave it running.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const redirectUri = process.env.REDIRECT_URI;
if (!port || !clientId || !clientSecret || !redirectUri) {
  console.error('PORT, CLIENT_ID, CLIENT_SECRET and REDIRECT_URI are required');
  process.exit(2);
}
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;

// The people of the test organisation's identity provider.
const accounts = {
  'anna': { email: 'anna.petrova@fund.example', email_verified: true, name: 'Анна Петрова' },
  'boris': { email: 'boris.sokolov@fund.example', email_verified: false, name: 'Борис Соколов' },
  'stranger': { email: 'stranger@elsewhere.example', email_verified: true, name: 'Посторонний' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The claims go into the ID token itself, as Kurator reads them from there.
  conformIdTokenClaims: false,
  cookies: { keys: ['kurator-test-provider-cookie-key'] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; if (body.length > 10000) req.destroy(); });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<form method="post" action="/interaction/${uid}/login">`
      + '<input name="login"><button>Sign in</button></form>');
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const login = new URLSearchParams(await readBody(req)).get('login') || '';
    if (!accounts[login]) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('unknown account');
      return;
    }
    const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
    grant.addOIDCScope(String(details.params.scope || 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
      login: { accountId: login },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(404);
  res.end();
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (match) {
    interaction(req, res, match[1], match[2]).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(err && err.message));
    });
    return;
  }
  callback(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();

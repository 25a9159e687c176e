/**
 * The console's access views against Core itself: every matrix cell is checked by a real call through
 * mock-core (status, and the rule Core's log names), the limits it shows move with the calls Core counts, a
 * limit of 0 shows as Core's "Access denied", the token a user holds is told apart from the one a login now
 * would carry, reading the matrix leaves Core's JWK cache alone, and a pasted token is read step by step as
 * Core reads it.
 */
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import type { Cell, Matrix } from '../../console/access-view.ts';
import { startSandbox, type StartedSandbox } from '../../sandbox/index.ts';
import { privateStateDir } from '../support/sandbox-helpers.ts';
import { cellOf, consoleCall, rowOf, tutorialVariant } from './console-client.ts';

const CHAT = 'chat-gpt-35-turbo';

const matrixOf = async (sandbox: StartedSandbox): Promise<Matrix> => {
  const answer = await consoleCall(sandbox.consoleUrl!, 'GET', '/api/matrix');
  expect(answer.status).toBe(200);
  return answer.body as Matrix;
};

/** A call of a model as its type wants it (chat or embeddings), and the entry Core's log made of it. */
async function callModel(sandbox: StartedSandbox, model: string, credentials: Record<string, string>) {
  const core = sandbox.core!;
  const embedding = core.config.current.models.get(model)?.type === 'embedding';
  const logged = core.log.entries().length;
  const response = await fetch(`${sandbox.coreUrl}/openai/deployments/${model}/${embedding ? 'embeddings' : 'chat/completions'}`, {
    method: 'POST',
    headers: { ...credentials, 'content-type': 'application/json' },
    body: JSON.stringify(embedding ? { input: 'hi' } : { messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await response.text();
  // Core logs an answer once it has gone out: wait for the entry rather than race it.
  await expect.poll(() => core.log.entries().length).toBeGreaterThan(logged);
  return { status: response.status, body, entry: core.log.entries().at(-1)! };
}

/**
 * Every row (users with a fresh login, API keys with Api-Key) × every model: the real call answers what the
 * cell says, and Core's log names the cell's rule and refusal. Returns the cells compared, for the caller
 * to check that both verdicts were among them.
 */
async function expectMatrixIsCoresAnswer(sandbox: StartedSandbox): Promise<Cell[]> {
  const matrix = await matrixOf(sandbox);
  const models = matrix.columns.filter((c) => c.kind === 'model').map((c) => c.name);
  expect(models).toEqual([...sandbox.core!.config.current.models.keys()]);
  const compared: Cell[] = [];
  for (const row of matrix.rows) {
    const credentials: Record<string, string> = row.kind === 'user' ? { authorization: `Bearer ${await sandbox.token(row.label)}` } : { 'api-key': row.id };
    for (const model of models) {
      const cell = cellOf(matrix, row.label, model);
      const { status, entry } = await callModel(sandbox, model, credentials);
      expect({ caller: row.label, model, status, allowed: status === 200, rule: entry.rule, reason: messageOf(entry.reason) }).toEqual({
        caller: row.label, model, status: cell.status, allowed: cell.allowed, rule: `${model}: ${cell.rule}`, reason: cell.refusal,
      });
      compared.push(cell);
    }
  }
  return compared;
}

/** Core's words in a log entry's reason: the message of a JSON refusal (a limit's), or the text itself. */
function messageOf(reason: string | undefined): string | undefined {
  try {
    return (JSON.parse(reason!) as { error: { message: string } }).error.message;
  } catch {
    return reason;
  }
}

const requestsPerHour = (cell: Cell) => cell.limits?.find((l) => l.window === 'requests per hour');

describe("the matrix is Core's own answer, in the tutorial", () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-matrix'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('has a row for each directory user and each API key, and a column for each deployment', async () => {
    const matrix = await matrixOf(sandbox);
    expect(matrix.rows.map((r) => r.label)).toEqual([...sandbox.idp.accounts.all.map((u) => u.email).sort(), ...sandbox.core!.config.current.keys.keys()]);
    expect(matrix.columns.map((c) => c.name)).toEqual(['chat-gpt-35-turbo', 'gpt-4', 'gpt-4-closed', 'text-embedding-3-small']);
    expect(matrix.more).toBe(0);
  });

  it('answers, for every user and key on every model, what a real call through mock-core answers: 200 where allowed, else the cell\'s status, by the cell\'s rule', async () => {
    const cells = await expectMatrixIsCoresAnswer(sandbox);
    // Both verdicts were compared, or the comparison proved little.
    expect(cells.filter((c) => c.allowed).length).toBeGreaterThan(0);
    expect(cells.filter((c) => !c.allowed).map((c) => c.status)).toContain(403);
  });

  it('counts in its limits the calls Core counted: requests per hour moves by one per call, for a user and for a key', async () => {
    for (const [caller, credentials] of [['alice@example.com', { authorization: `Bearer ${await sandbox.token('alice@example.com')}` }], ['ci-api-key', { 'api-key': 'ci-api-key' }]] as const) {
      const before = requestsPerHour(cellOf(await matrixOf(sandbox), caller, CHAT));
      expect(before, caller).toMatchObject({ total: 1000 }); // the tutorial's requestHour for auth0-role-name
      expect((await callModel(sandbox, CHAT, credentials)).status).toBe(200);
      expect(requestsPerHour(cellOf(await matrixOf(sandbox), caller, CHAT)), caller).toEqual({ ...before, used: before!.used + 1 });
    }
  });

  it('counts nothing itself: reading the matrix again and again leaves the windows as they were', async () => {
    const first = await matrixOf(sandbox);
    for (let i = 0; i < 3; i++) await matrixOf(sandbox);
    const again = await matrixOf(sandbox);
    expect(cellOf(again, 'alice@example.com', CHAT).limits).toEqual(cellOf(first, 'alice@example.com', CHAT).limits);
  });
});

describe('a limit of 0, which Core answers "Access denied"; a cost budget', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    // The tutorial's role, with gpt-4 at zero requests a day: its holders (alice, ci-api-key) are refused, bob
    // is not. The role has a cost budget too, in every one of Core's four windows.
    const environment = tutorialVariant('zero-limit', {
      config: (config) => {
        config.roles['auth0-role-name'].limits['gpt-4'] = { requestDay: '0' };
        config.roles['auth0-role-name'].costLimit = { minute: '1', day: '10', week: '50', month: '100' };
      },
    });
    sandbox = await startSandbox(environment, { stateDir: privateStateDir('console-zero-limit'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('shows denied with Core\'s words where the role\'s limit is 0, allowed where the default applies, and agrees with a real call in every cell', async () => {
    const matrix = await matrixOf(sandbox);
    for (const caller of ['alice@example.com', 'ci-api-key']) {
      expect(cellOf(matrix, caller, 'gpt-4')).toEqual({ deployment: 'gpt-4', allowed: false, status: 403, rule: 'no userRoles: every authenticated caller', refusal: 'Access denied', limits: expect.any(Array) });
    }
    expect(cellOf(matrix, 'bob@example.com', 'gpt-4')).toMatchObject({ allowed: true, status: 200 });
    const alice = await callModel(sandbox, 'gpt-4', { authorization: `Bearer ${await sandbox.token('alice@example.com')}` });
    expect(JSON.parse(alice.body).error.message).toBe('Access denied');
    await expectMatrixIsCoresAnswer(sandbox);
  });

  it("lists the budget's every window that has a limit, as Core's limits API gives them", async () => {
    const dollars = cellOf(await matrixOf(sandbox), 'ci-api-key', CHAT).limits!.filter((l) => l.window.startsWith('dollars'));
    expect(dollars).toEqual([
      { window: 'dollars per minute', used: 0, total: 1 },
      { window: 'dollars per day', used: 0, total: 10 },
      { window: 'dollars per week', used: 0, total: 50 },
      { window: 'dollars per month', used: 0, total: 100 },
    ]);
  });
});

describe('the token a user holds beside the one a login now would carry', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-held'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('after bob is given the role through the console: his next login is allowed on the model, the token he holds is still denied, and a new login makes it allowed', async () => {
    const held = await sandbox.token('bob@example.com');
    const before = await matrixOf(sandbox);
    expect(cellOf(before, 'bob@example.com', CHAT, 'held')).toMatchObject({ allowed: false, status: 403 });

    const directory = (await consoleCall(sandbox.consoleUrl!, 'GET', '/api/directory')).body as { users: { user_id: string; email: string }[]; roles: { id: string; name: string }[] };
    const bob = directory.users.find((u) => u.email === 'bob@example.com')!;
    const role = directory.roles.find((r) => r.name === 'auth0-role-name')!;
    const assigned = await consoleCall(sandbox.consoleUrl!, 'POST', `/api/users/${encodeURIComponent(bob.user_id)}/roles`, { roles: [role.id] });
    expect(assigned.status).toBe(200); // the Management API's 204, shown with the call made
    expect(assigned.body).toMatchObject({ status: 204, call: `POST /api/v2/users/${encodeURIComponent(bob.user_id)}/roles {"roles":["${role.id}"]} → 204` });

    const after = await matrixOf(sandbox);
    expect(rowOf(after, 'bob@example.com')).toMatchObject({ assigned: ['auth0-role-name'] });
    expect(cellOf(after, 'bob@example.com', CHAT, 'next')).toMatchObject({ allowed: true, status: 200 });
    expect(cellOf(after, 'bob@example.com', CHAT, 'held')).toMatchObject({ allowed: false, status: 403, refusal: `Forbidden deployment: ${CHAT}` });
    // Core agrees on both.
    expect((await callModel(sandbox, CHAT, { authorization: `Bearer ${held}` })).status).toBe(403);
    const fresh = await sandbox.token('bob@example.com');
    expect((await callModel(sandbox, CHAT, { authorization: `Bearer ${fresh}` })).status).toBe(200);

    expect(cellOf(await matrixOf(sandbox), 'bob@example.com', CHAT, 'held')).toMatchObject({ allowed: true, status: 200 });
  });
});

describe("the console leaves Core's JWK cache alone", () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-jwks'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  it('fetches no JWKS to draw the matrix, list the tokens or read one; the first real call then does, once', async () => {
    // Every fetch of this process, mock-core's JWK cache's among them (it downloads with the global fetch).
    // Counted, not reasoned about: a scenario such as jwks-503 would show only a download that failed while
    // it was on, and only if Core then cached the failure.
    const fetches = vi.spyOn(globalThis, 'fetch');
    const jwksFetches = () => fetches.mock.calls.filter(([input]) => String(input instanceof Request ? input.url : input).endsWith('/.well-known/jwks.json')).length;
    const token = await sandbox.token('alice@example.com');
    await matrixOf(sandbox);
    expect((await consoleCall(sandbox.consoleUrl!, 'GET', '/api/tokens')).status).toBe(200);
    const inspected = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/tokens/inspect', { token });
    expect(inspected.body.core.accepted).toBe(true);
    expect(jwksFetches()).toBe(0);

    // The spy sees Core's download: the kid is new to Core, so its first call fetches the JWKS.
    expect((await callModel(sandbox, CHAT, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(jwksFetches()).toBe(1);
  });
});

describe('a pasted token, read as Core reads it', () => {
  let sandbox: StartedSandbox;
  let claims: Record<string, unknown>;
  beforeAll(async () => {
    sandbox = await startSandbox(undefined, { stateDir: privateStateDir('console-inspect'), consolePort: 0 });
    claims = decodeJwt(await sandbox.token('alice@example.com'));
  });
  afterAll(() => sandbox?.stop());

  const inspect = async (token: string) => {
    const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/tokens/inspect', { token });
    expect(answer.status).toBe(200);
    return answer.body as { steps: { step: string; ok: boolean; words: string }[]; core: { accepted: boolean; words: string } };
  };
  const failedStep = (inspection: Awaited<ReturnType<typeof inspect>>) => inspection.steps.find((s) => !s.ok);
  /** What Core answers the token at a deployment: the inspection says what Core would, so Core must agree. */
  const coreStatus = async (token: string) => (await callModel(sandbox, 'gpt-4', { authorization: `Bearer ${token}` })).status;

  it("accepts the IdP's own token, as Core does", async () => {
    const token = await sandbox.token('alice@example.com');
    const inspection = await inspect(`Authorization: Bearer ${token}`);
    expect(inspection.steps.map((s) => [s.step, s.ok])).toEqual([['decode', true], ['identity provider', true], ['kid', true], ['signature, times and audience', true], ['roles', true]]);
    expect(inspection.core.accepted).toBe(true);
    expect(await coreStatus(token)).toBe(200);
  });

  it('fails a token signed with another key at the kid step, naming the kids the JWKS has', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'kid-of-another-tenant' }).sign(privateKey);
    const inspection = await inspect(token);
    const kids = sandbox.idp.keys.published().map((k) => k.kid);
    expect(failedStep(inspection)).toEqual({ step: 'kid', ok: false, words: `kid kid-of-another-tenant is not in the JWKS; it lists ${kids.join(', ')}` });
    expect(inspection.core).toEqual({ accepted: false, words: `401 Bad Authorization header: kid kid-of-another-tenant is not in the JWKS; it lists ${kids.join(', ')}` });
    expect(await coreStatus(token)).toBe(401);
  });

  it("fails a token of another key under the IdP's own kid at the signature, in Core's words", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: sandbox.idp.keys.current.kid }).sign(privateKey);
    const step = failedStep(await inspect(token));
    expect(step?.step).toBe('signature, times and audience');
    expect(step?.words).toMatch(/^The Token's Signature resulted invalid when verified using the Algorithm: SHA256withRSA — /);
    expect(await coreStatus(token)).toBe(401);
  });

  it("fails an unsigned (alg none) and an HS256 token with Core's algorithm message", async () => {
    const kid = sandbox.idp.keys.current.kid;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
    for (const [token, alg] of [[unsigned, 'none'], [hs256, 'HS256']] as const) {
      const step = failedStep(await inspect(token));
      expect(step?.step, alg).toBe('signature, times and audience');
      expect(step?.words, alg).toMatch(new RegExp(`^The provided Algorithm doesn't match the one defined in the JWT's Header\\. — alg ${alg}: Core takes RS256 only`));
      expect(await coreStatus(token), alg).toBe(401);
    }
  });

  it('fails what is not a JWT at the decode step, with java-jwt\'s words', async () => {
    const cases: [string, string][] = [
      ['garbage', 'The token was expected to have 3 parts, but got 1.'],
      ['a.b+c.d', 'Illegal base64url character in the token.'],
      [`${Buffer.from('not json').toString('base64url')}.e30.`, "doesn't have a valid JSON format"],
    ];
    for (const [token, words] of cases) {
      const inspection = await inspect(token);
      expect(inspection.steps, token).toEqual([{ step: 'decode', ok: false, words: expect.stringContaining(words) }]);
      expect(inspection.core.accepted).toBe(false);
      expect(await coreStatus(token), token).toBe(401);
    }
  });

  it('answers 400 for a body with no token, and reads nothing', async () => {
    for (const body of [{}, { token: '' }, { token: 42 }]) {
      const answer = await consoleCall(sandbox.consoleUrl!, 'POST', '/api/tokens/inspect', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toBe('bad_request');
    }
  });
});

describe('a pasted token, when the provider wants an audience', () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    // The tutorial's provider checks no aud; this copy's wants the API's.
    const environment = tutorialVariant('audience', { settings: (settings) => (settings.identityProviders.auth0.audience = 'dial-api') });
    sandbox = await startSandbox(environment, { stateDir: privateStateDir('console-audience'), consolePort: 0 });
  });
  afterAll(() => sandbox?.stop());

  const inspect = async (token: string) => (await consoleCall(sandbox.consoleUrl!, 'POST', '/api/tokens/inspect', { token })).body as { steps: { step: string; ok: boolean; words: string }[]; core: { accepted: boolean } };

  it('accepts a token for that audience and fails one for another API at the audience, as Core does', async () => {
    const right = await sandbox.token('alice@example.com');
    const accepted = await inspect(right);
    expect(accepted.core.accepted).toBe(true);
    expect(accepted.steps.find((s) => s.step === 'signature, times and audience')?.words).toContain('aud has dial-api');
    expect((await callModel(sandbox, 'gpt-4', { authorization: `Bearer ${right}` })).status).toBe(200);

    // The IdP's own scenario for it: tokens for https://another-api.example/, signed with the IdP's key.
    await fetch(`${sandbox.idpUrl}/__control/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'token-wrong-aud' }) });
    const wrong = await sandbox.token('alice@example.com');
    await fetch(`${sandbox.idpUrl}/__control/scenario`, { method: 'DELETE' });
    expect(decodeJwt(wrong).aud).toBe('https://another-api.example/');
    const refused = await inspect(wrong);
    expect(refused.core.accepted).toBe(false);
    expect(refused.steps.find((s) => !s.ok)).toEqual({
      step: 'signature, times and audience',
      ok: false,
      words: expect.stringMatching(/^The Claim 'aud' value doesn't contain the required audience\. — aud is \["https:\/\/another-api\.example\/"\], the provider wants "dial-api"/),
    });
    expect((await callModel(sandbox, 'gpt-4', { authorization: `Bearer ${wrong}` })).status).toBe(401);
  });
});

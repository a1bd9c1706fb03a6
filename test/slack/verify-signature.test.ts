import {
  decodeLambdaBody,
  headerValue,
  type SignatureFailure,
  signSlackRequest,
  verifySlackSignature,
} from '../../src/slack/verify-signature';

// Slack's published example (https://docs.slack.dev/authentication/verifying-requests-from-slack).
// Some copies cut the secret to '...85a'; the full secret ends in '85a5'.
const SLACK_EXAMPLE = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

const SECRET = 'unit-test-secret';
const NOW = 1_700_000_000;
const BODY = 'command=%2Fcodebuild-access&text=grant';
const sign = (ts: number | string, body = BODY) => signSlackRequest(SECRET, ts, body);

describe('signSlackRequest', () => {
  it("reproduces Slack's published example signature", () => {
    expect(signSlackRequest(SLACK_EXAMPLE.secret, SLACK_EXAMPLE.timestamp, SLACK_EXAMPLE.body)).toBe(
      SLACK_EXAMPLE.signature,
    );
  });

  it('signs the same request identically whether the timestamp is a number or a string', () => {
    expect(sign(NOW)).toBe(sign(String(NOW)));
  });
});

describe('verifySlackSignature', () => {
  it("accepts Slack's published example at its own timestamp", () => {
    expect(
      verifySlackSignature({
        signingSecret: SLACK_EXAMPLE.secret,
        timestamp: SLACK_EXAMPLE.timestamp,
        signature: SLACK_EXAMPLE.signature,
        rawBody: SLACK_EXAMPLE.body,
        nowSeconds: Number(SLACK_EXAMPLE.timestamp),
      }),
    ).toEqual({ ok: true });
  });

  it("rejects Slack's example when the secret is cut short as in some public copies", () => {
    expect(
      verifySlackSignature({
        signingSecret: SLACK_EXAMPLE.secret.slice(0, -1),
        timestamp: SLACK_EXAMPLE.timestamp,
        signature: SLACK_EXAMPLE.signature,
        rawBody: SLACK_EXAMPLE.body,
        nowSeconds: Number(SLACK_EXAMPLE.timestamp),
      }),
    ).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it.each<{ name: string; timestamp: string; signedAt: number | string }>([
    { name: 'a request signed just now', timestamp: String(NOW), signedAt: NOW },
    { name: 'a request 299 s old', timestamp: String(NOW - 299), signedAt: NOW - 299 },
    { name: 'a request exactly 300 s old', timestamp: String(NOW - 300), signedAt: NOW - 300 },
    { name: 'a request 299 s in the future', timestamp: String(NOW + 299), signedAt: NOW + 299 },
  ])('accepts $name', ({ timestamp, signedAt }) => {
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp,
        signature: sign(signedAt),
        rawBody: BODY,
        nowSeconds: NOW,
      }),
    ).toEqual({ ok: true });
  });

  it.each<{
    name: string;
    timestamp: string | undefined;
    signature: string | undefined;
    rawBody?: string;
    reason: SignatureFailure;
  }>([
    {
      name: 'a tampered body',
      timestamp: String(NOW),
      signature: sign(NOW),
      rawBody: `${BODY}x`,
      reason: 'signature_mismatch',
    },
    {
      name: 'a signature made with another timestamp',
      timestamp: String(NOW),
      signature: sign(NOW - 1),
      reason: 'signature_mismatch',
    },
    {
      name: 'a signature made with another secret',
      timestamp: String(NOW),
      signature: signSlackRequest('other', NOW, BODY),
      reason: 'signature_mismatch',
    },
    {
      name: 'a timestamp 6 minutes old',
      timestamp: String(NOW - 360),
      signature: sign(NOW - 360),
      reason: 'stale_timestamp',
    },
    {
      name: 'a timestamp 6 minutes in the future',
      timestamp: String(NOW + 360),
      signature: sign(NOW + 360),
      reason: 'stale_timestamp',
    },
    {
      name: 'a timestamp 301 s old',
      timestamp: String(NOW - 301),
      signature: sign(NOW - 301),
      reason: 'stale_timestamp',
    },
    { name: 'a non-numeric timestamp', timestamp: 'abc', signature: sign('abc'), reason: 'bad_timestamp' },
    { name: 'a negative timestamp', timestamp: '-1', signature: sign('-1'), reason: 'bad_timestamp' },
    {
      name: 'a timestamp in exponent notation',
      timestamp: '1.7e9',
      signature: sign('1.7e9'),
      reason: 'bad_timestamp',
    },
    {
      name: 'a timestamp with leading space',
      timestamp: ` ${NOW}`,
      signature: sign(` ${NOW}`),
      reason: 'bad_timestamp',
    },
    {
      name: 'a fractional timestamp',
      timestamp: `${NOW}.5`,
      signature: sign(`${NOW}.5`),
      reason: 'bad_timestamp',
    },
    { name: 'an empty timestamp', timestamp: '', signature: sign(''), reason: 'bad_timestamp' },
    {
      name: 'a missing timestamp header',
      timestamp: undefined,
      signature: sign(NOW),
      reason: 'missing_headers',
    },
    {
      name: 'a missing signature header',
      timestamp: String(NOW),
      signature: undefined,
      reason: 'missing_headers',
    },
    { name: 'both headers missing', timestamp: undefined, signature: undefined, reason: 'missing_headers' },
    {
      name: 'a v1= signature',
      timestamp: String(NOW),
      signature: sign(NOW).replace('v0=', 'v1='),
      reason: 'bad_signature_format',
    },
    {
      name: 'a signature one hex digit short',
      timestamp: String(NOW),
      signature: sign(NOW).slice(0, -1),
      reason: 'bad_signature_format',
    },
    {
      name: 'a signature one hex digit long',
      timestamp: String(NOW),
      signature: `${sign(NOW)}0`,
      reason: 'bad_signature_format',
    },
    {
      name: 'an uppercase hex signature',
      timestamp: String(NOW),
      signature: `v0=${sign(NOW).slice(3).toUpperCase()}`,
      reason: 'bad_signature_format',
    },
    {
      name: 'a signature of non-hex garbage',
      timestamp: String(NOW),
      signature: `v0=${'Z'.repeat(64)}`,
      reason: 'bad_signature_format',
    },
    {
      name: 'a signature with a multibyte character',
      timestamp: String(NOW),
      signature: `v0=${'é'.repeat(64)}`,
      reason: 'bad_signature_format',
    },
    { name: 'an empty signature', timestamp: String(NOW), signature: '', reason: 'bad_signature_format' },
  ])('rejects $name as $reason', ({ timestamp, signature, rawBody, reason }) => {
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp,
        signature,
        rawBody: rawBody ?? BODY,
        nowSeconds: NOW,
      }),
    ).toEqual({ ok: false, reason });
  });

  it('honours a custom tolerance', () => {
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp: String(NOW - 61),
        signature: sign(NOW - 61),
        rawBody: BODY,
        nowSeconds: NOW,
        toleranceSeconds: 60,
      }),
    ).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('returns a failure instead of throwing when given values of the wrong runtime type', () => {
    const input = {
      signingSecret: undefined,
      timestamp: String(NOW),
      signature: sign(NOW),
      rawBody: BODY,
      nowSeconds: NOW,
    } as unknown as Parameters<typeof verifySlackSignature>[0];
    expect(verifySlackSignature(input)).toEqual({ ok: false, reason: 'signature_mismatch' });
  });
});

describe('decodeLambdaBody', () => {
  const text = 'grant user:zoë developer because café';

  it.each<{ name: string; event: { body?: string | null; isBase64Encoded?: boolean }; expected: string }>([
    {
      name: 'decodes a base64 body as UTF-8',
      event: { body: Buffer.from(text, 'utf8').toString('base64'), isBase64Encoded: true },
      expected: text,
    },
    { name: 'returns a plain body unchanged', event: { body: text, isBase64Encoded: false }, expected: text },
    { name: 'treats a missing isBase64Encoded flag as plain text', event: { body: 'a=1' }, expected: 'a=1' },
    { name: 'returns an empty string for a null body', event: { body: null }, expected: '' },
    { name: 'returns an empty string for a missing body', event: {}, expected: '' },
  ])('$name', ({ event, expected }) => {
    expect(decodeLambdaBody(event)).toBe(expected);
  });

  it('keeps a UTF-8 body verifiable after base64 round trip, where an ASCII decode would not', () => {
    const body = `text=${encodeURIComponent(text)}&raw=${text}`;
    const encoded = Buffer.from(body, 'utf8').toString('base64');
    const signature = sign(NOW, body);
    const verify = (rawBody: string) =>
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp: String(NOW),
        signature,
        rawBody,
        nowSeconds: NOW,
      });
    expect(verify(decodeLambdaBody({ body: encoded, isBase64Encoded: true }))).toEqual({ ok: true });
    expect(verify(Buffer.from(encoded, 'base64').toString('ascii'))).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });
});

describe('headerValue', () => {
  it.each<{
    name: string;
    headers: Record<string, string | undefined> | null | undefined;
    lookup: string;
    expected: string | undefined;
  }>([
    {
      name: 'finds a lowercased API Gateway v2 header by its canonical name',
      headers: { 'x-slack-signature': 'v0=abc' },
      lookup: 'X-Slack-Signature',
      expected: 'v0=abc',
    },
    {
      name: 'finds a mixed-case API Gateway v1 header by a lowercase name',
      headers: { 'X-Slack-Request-Timestamp': '123' },
      lookup: 'x-slack-request-timestamp',
      expected: '123',
    },
    { name: 'returns undefined for an absent header', headers: { a: '1' }, lookup: 'b', expected: undefined },
    { name: 'returns undefined for null headers', headers: null, lookup: 'a', expected: undefined },
    { name: 'returns undefined for undefined headers', headers: undefined, lookup: 'a', expected: undefined },
  ])('$name', ({ headers, lookup, expected }) => {
    expect(headerValue(headers, lookup)).toBe(expected);
  });
});

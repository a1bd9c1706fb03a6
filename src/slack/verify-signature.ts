import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailure =
  | 'missing_headers'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'bad_signature_format'
  | 'signature_mismatch';

export interface VerifySignatureInput {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}

export type VerifySignatureResult = { ok: true } | { ok: false; reason: SignatureFailure };

const DEFAULT_TOLERANCE_SECONDS = 300;
// Number() would accept '-1', '1e9', ' 123' and '0x10'; Slack only ever sends plain epoch seconds.
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/;
// Lowercase hex only: that is what Slack sends, and it keeps the comparison a plain byte compare.
const SIGNATURE_PATTERN = /^v0=[0-9a-f]{64}$/;

/** Computes Slack's v0 request signature: `v0=` + hex(HMAC-SHA256(secret, `v0:{ts}:{body}`)). */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:${rawBody}`, 'utf8');
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Checks a Slack request signature strictly. Bolt's own check lets future timestamps through,
 * so this runs in front of it. Never throws: every failure comes back as a reason to log.
 */
export function verifySlackSignature(input: VerifySignatureInput): VerifySignatureResult {
  try {
    const { signingSecret, timestamp, signature, rawBody, nowSeconds } = input;
    const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    // An empty header is present but malformed, so it gets the format reason below, not this one.
    if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing_headers' };
    if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
    // Both directions: a request "from the future" is as replayable as an old one.
    if (!Number.isFinite(nowSeconds) || Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
      return { ok: false, reason: 'stale_timestamp' };
    }
    if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, reason: 'bad_signature_format' };
    const expected = Buffer.from(signSlackRequest(signingSecret, timestamp, rawBody), 'utf8');
    const actual = Buffer.from(signature, 'utf8');
    // Lengths are equal thanks to the format check; timingSafeEqual would throw otherwise.
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { ok: false, reason: 'signature_mismatch' };
    }
    return { ok: true };
  } catch {
    // Only reachable with a malformed secret (e.g. not a string); treat it as a failed check, not a crash.
    return { ok: false, reason: 'signature_mismatch' };
  }
}

/** Returns the raw request body; base64 is decoded as UTF-8 because Bolt's ASCII decode corrupts non-ASCII text. */
export function decodeLambdaBody(event: { body?: string | null; isBase64Encoded?: boolean }): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Looks a header up by name, ignoring case: API Gateway v1 keeps the caller's case, v2 lowercases. */
export function headerValue(
  headers: Record<string, string | undefined> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

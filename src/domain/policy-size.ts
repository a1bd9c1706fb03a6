/**
 * Size and character limits that IAM and KMS enforce on policy text. Checking them before a change is
 * approved turns an AWS error half-way through apply into a clear message at plan time.
 */
import type { PolicyDocument } from './seed-policies';

export type InlinePolicyHolder = 'user' | 'group' | 'role';

/** IAM's aggregate quota for all inline policies of one identity, in non-whitespace characters. */
export const INLINE_QUOTAS: Readonly<Record<InlinePolicyHolder, number>> = Object.freeze({
  user: 2048,
  group: 5120,
  role: 10240,
});

/** KMS refuses a key policy longer than this many bytes. */
export const KEY_POLICY_MAX_BYTES = 32768;

const toText = (document: string | PolicyDocument): string =>
  typeof document === 'string' ? document : JSON.stringify(document);

// IAM does not count white space toward the inline quota. Only the JSON white space characters are
// removed: other characters (such as a no-break space inside a string) are policy content.
const WHITESPACE = /[ \t\n\r]/g;

/** The size IAM charges a policy against the inline quota: its characters, white space excluded. */
export const inlinePolicySize = (document: string | PolicyDocument): number =>
  toText(document).replace(WHITESPACE, '').length;

/** The size KMS checks against KEY_POLICY_MAX_BYTES: UTF-8 bytes of the text that is sent. */
export const keyPolicyBytes = (document: string | PolicyDocument): number =>
  Buffer.byteLength(toText(document), 'utf8');

export type InlineQuotaCheck =
  | { ok: true; total: number; limit: number }
  | { ok: false; total: number; limit: number; message: string };

const formatCount = (value: number): string => value.toLocaleString('en-US');

const REMEDY: Record<InlinePolicyHolder, string> = {
  user: 'Remove an inline policy or use a managed tier.',
  group: 'Remove an inline policy or use a managed tier.',
  role: 'Remove an inline policy from the role or move statements into a managed policy.',
};

/**
 * Whether adding `newDocument` keeps the holder within IAM's inline quota. `existingDocuments` are the
 * holder's other inline policies: leave out the one `newDocument` replaces, since a put overwrites it.
 */
export const checkInlineQuota = (
  kind: InlinePolicyHolder,
  existingDocuments: readonly string[],
  newDocument: string | PolicyDocument,
  holderName?: string,
): InlineQuotaCheck => {
  const limit = INLINE_QUOTAS[kind];
  const total = existingDocuments.reduce(
    (sum, text) => sum + inlinePolicySize(text),
    inlinePolicySize(newDocument),
  );
  if (total <= limit) return { ok: true, total, limit };
  const holder = holderName ? `${kind} ${holderName}` : `this ${kind}`;
  return {
    ok: false,
    total,
    limit,
    message:
      `The inline policies on ${holder} would total ${formatCount(total)} non-whitespace characters; ` +
      `IAM allows ${formatCount(limit)} for a ${kind}. ${REMEDY[kind]}`,
  };
};

// IAM and KMS accept printable ASCII, printable Latin-1 and tab/LF/CR. (IAM's API pattern also lets
// U+007F-U+009F through, but KMS does not, so those are refused for both.)
const ALLOWED_CHAR = /[\t\n\r\u0020-\u007e\u00a0-\u00ff]/;

const describeChar = (char: string): string => {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
  // Control characters would garble the Slack message, so only printable ones are quoted.
  return codePoint > 0x9f ? `U+${hex} "${char}"` : `U+${hex}`;
};

/**
 * Checks that policy text uses only characters IAM and KMS accept. Returns a message for the user when
 * it does not, undefined when it does.
 */
export const assertPolicyCharset = (doc: string): string | undefined => {
  let position = 0;
  for (const char of doc) {
    if (!ALLOWED_CHAR.test(char)) {
      return (
        `The policy contains ${describeChar(char)} at character ${position + 1}. IAM and KMS policies allow ` +
        'only ASCII and Latin-1 characters; replace it (typographic quotes and dashes often come from copy and paste).'
      );
    }
    position += 1;
  }
  return undefined;
};

/**
 * What the sandbox's API handlers share: the handler table type, response metadata, SDK exceptions built
 * the way the SDK builds them from a real response, and IAM-style paging.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxAccount } from './account';

/** A command (or a variant of one) reached the sandbox that it does not model. */
export class SandboxNotImplementedError extends Error {
  override readonly name = 'SandboxNotImplementedError';
}

/** Answers one SDK command from the sandbox account; returns the output without `$metadata`. */
export type SandboxHandler = (input: object, account: SandboxAccount) => object | Promise<object>;

/** Handlers keyed by the SDK command name, e.g. 'GetUserCommand'. */
export type SandboxHandlers = Readonly<Record<string, SandboxHandler>>;

/** An SDK output without the `$metadata` the plug adds. */
export type Result<T> = Omit<T, '$metadata'>;

/**
 * Lets each handler be written against its command's own input and output types; the table erases them
 * because the plug dispatches by name and the SDK already typed the input when the command was built.
 */
export const handle = <I extends object, O extends object>(
  fn: (input: I, account: SandboxAccount) => O | Promise<O>,
): SandboxHandler => fn as unknown as SandboxHandler;

/** The `$metadata` of a response the sandbox answered. */
export const responseMetadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: randomUUID(),
  attempts: 1,
  totalRetryDelay: 0,
});

type ExceptionClass<E> = new (options: {
  message: string;
  $metadata: ReturnType<typeof responseMetadata>;
}) => E;

/** An SDK exception of the given class, shaped like one the SDK deserializes from a real error response. */
export const awsError = <E>(Class: ExceptionClass<E>, httpStatusCode: number, message: string): E =>
  new Class({ message, $metadata: responseMetadata(httpStatusCode) });

const MARKER_PREFIX = 'sandbox-marker:';

/**
 * One page of a list the way IAM pages (Marker, MaxItems, IsTruncated). The marker is opaque to callers,
 * as IAM's is; `invalid` builds the error for a marker or MaxItems IAM would refuse.
 */
export const iamPage = <T>(
  items: readonly T[],
  request: { Marker?: string | undefined; MaxItems?: number | undefined },
  invalid: (message: string) => Error,
): { items: T[]; IsTruncated: boolean; Marker?: string } => {
  const maxItems = request.MaxItems ?? 100;
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw invalid(
      `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: ` +
        'Member must have value between 1 and 1000',
    );
  }
  let start = 0;
  if (request.Marker !== undefined) {
    const decoded = Buffer.from(request.Marker, 'base64url').toString('utf8');
    const offset = decoded.startsWith(MARKER_PREFIX)
      ? Number(decoded.slice(MARKER_PREFIX.length))
      : Number.NaN;
    if (!Number.isInteger(offset) || offset < 0 || offset > items.length) throw invalid('Invalid Marker.');
    start = offset;
  }
  const end = Math.min(start + maxItems, items.length);
  const page = items.slice(start, end);
  if (end >= items.length) return { items: page, IsTruncated: false };
  return {
    items: page,
    IsTruncated: true,
    Marker: Buffer.from(`${MARKER_PREFIX}${end}`).toString('base64url'),
  };
};

/** `text` percent-encoded per RFC 3986, as IAM returns every policy document. */
export const rfc3986Encode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

import { RequestConflictError, UnknownRequestError } from './errors';
import type { RequestStore } from './ports';
import type { AccessRequest, SavableField } from './request';

/** What a mutation returns when the record needs no write (already done, no longer applies). */
export interface NoChange {
  readonly noChange: string;
}

/** Says "write nothing", with the reason (returned to the caller). */
export const noChange = (reason: string): NoChange => ({ noChange: reason });

const isNoChange = (value: AccessRequest | NoChange): value is NoChange => 'noChange' in value;

/**
 * Computes the next record from the stored one. Called again with fresh data after a lost race, so it
 * must decide from `current` alone (its own earlier results are stale); it may be async (a click's
 * authorization reads IAM) and may throw to abort the whole update.
 */
export type Mutate = (current: AccessRequest) => AccessRequest | NoChange | Promise<AccessRequest | NoChange>;

export interface UpdateOptions {
  /** Read-mutate-write rounds before giving up with RequestConflictError (default 3). */
  attempts?: number;
  /** The record the caller has just read, used for the first round instead of reading it again. */
  current?: AccessRequest;
  /** Wraps each store call (the Slack path passes retryTransient; tasks rely on ASL Retry). */
  call?: <T>(operation: () => Promise<T>) => Promise<T>;
}

export type UpdateResult =
  /** Written: the record as stored now (`version` is the new one). */
  | { saved: true; request: AccessRequest }
  /** The mutation said no write was needed; `request` is the record it looked at. */
  | { saved: false; request: AccessRequest; reason: string };

const DEFAULT_ATTEMPTS = 3;

const direct = <T>(operation: () => Promise<T>): Promise<T> => operation();

/**
 * The one way to change a request record: read, mutate, write `fields` only if nobody wrote since the
 * read (the store bumps the version), and on a lost race start over from the fresh record. Throws
 * UnknownRequestError when there is no record and RequestConflictError after `attempts` lost races.
 */
export async function updateRequest(
  store: RequestStore,
  requestId: string,
  fields: readonly SavableField[],
  mutate: Mutate,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const call = options.call ?? direct;
  let current = options.current;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    current ??= await call(() => store.get(requestId));
    if (current === undefined) {
      throw new UnknownRequestError(`I have no request ${requestId}; nothing was changed.`);
    }
    const read = current;
    const next = await mutate(read);
    if (isNoChange(next)) return { saved: false, request: read, reason: next.noChange };
    if (await call(() => store.save({ ...next, requestId }, read.version, fields))) {
      return { saved: true, request: { ...next, requestId, version: read.version + 1 } };
    }
    current = undefined;
  }
  throw new RequestConflictError(
    `Request ${requestId} kept changing while it was being updated (${attempts} attempts); nothing of this update was saved.`,
  );
}

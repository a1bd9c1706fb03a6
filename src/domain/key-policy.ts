/**
 * Merging the seed's statements into an existing KMS key policy. Nothing guards concurrent writes to a
 * key policy, so the merge is pure and conservative: it only appends, it never edits or drops a
 * statement, and it hashes the policy so apply can detect drift since approval.
 */
import { createHash } from 'node:crypto';
import { KEY_POLICY_MAX_BYTES, keyPolicyBytes } from './policy-size';
import type { PolicyDocument, PolicyStatement } from './seed-policies';

/** The tag a key admin sets on a KMS key to opt it in; its value is the stage whose bot may change the key. */
export const KEY_OPT_IN_TAG_KEY = 'codebuild-access';

/**
 * `codebuild-access=<stage>`, the exact tag that opts a key in for one stage's bot. The bot's roles are
 * conditioned on aws:ResourceTag/codebuild-access = their own stage (serverless.yml), so a key opted in for
 * prod stays closed to the dev roles in the same account.
 */
export const keyOptInTag = (stage: string): string => `${KEY_OPT_IN_TAG_KEY}=${stage}`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted at every level, so equal data gives equal text whatever its key order. */
const stableStringify = (value: unknown): string => JSON.stringify(sortKeys(value));

const sortKeys = (value: unknown): Json => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      // Mirrors JSON.stringify, which drops undefined members.
      if (child !== undefined) sorted[key] = sortKeys(child);
    }
    return sorted;
  }
  return value as Json;
};

// IAM reads these as sets: "x" and ["x"] are the same, and so are any order and repeats of a list.
const asSet = (value: unknown): Json => {
  const list = Array.isArray(value) ? value : [value];
  const texts = [...new Set(list.map((item) => stableStringify(item)))].sort();
  return texts.map((text) => JSON.parse(text) as Json);
};

const SET_VALUED = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);
const PRINCIPAL_KEYS = new Set(['Principal', 'NotPrincipal']);

const canonicalPrincipal = (principal: unknown): Json => {
  if (principal === null || typeof principal !== 'object' || Array.isArray(principal))
    return sortKeys(principal);
  const out: { [key: string]: Json } = {};
  for (const [type, value] of Object.entries(principal)) out[type] = asSet(value);
  return sortKeys(out);
};

const canonicalCondition = (condition: unknown): Json => {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition))
    return sortKeys(condition);
  const out: { [key: string]: Json } = {};
  for (const [operator, block] of Object.entries(condition)) {
    if (block === null || typeof block !== 'object' || Array.isArray(block)) {
      out[operator] = sortKeys(block);
      continue;
    }
    const keys: { [key: string]: Json } = {};
    for (const [key, value] of Object.entries(block)) keys[key] = asSet(value);
    out[operator] = keys;
  }
  return sortKeys(out);
};

/** A statement in a form where equivalent statements (per IAM's reading of lists) have equal JSON text. */
const canonicalStatementText = (statement: PolicyStatement): string => {
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(statement)) {
    if (value === undefined) continue;
    if (SET_VALUED.has(key)) out[key] = asSet(value);
    else if (PRINCIPAL_KEYS.has(key)) out[key] = canonicalPrincipal(value);
    else if (key === 'Condition') out[key] = canonicalCondition(value);
    else out[key] = sortKeys(value);
  }
  return stableStringify(out);
};

/** True when two statements grant the same thing, regardless of list order or string-vs-list spelling. */
export const statementsEquivalent = (a: PolicyStatement, b: PolicyStatement): boolean =>
  canonicalStatementText(a) === canonicalStatementText(b);

export type KeyPolicyMergeError = 'sid_conflict' | 'missing_sid' | 'too_large';

export type KeyPolicyMergeResult =
  | { ok: true; policy: PolicyDocument; added: PolicyStatement[]; unchanged: PolicyStatement[] }
  | { ok: false; error: KeyPolicyMergeError; message: string; sid?: string };

// A policy read back from KMS may hold a single statement object instead of a list; both are valid JSON.
const statementsOf = (policy: PolicyDocument): PolicyStatement[] => {
  const statements: unknown = policy.Statement;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? (statements as PolicyStatement[]) : [statements as PolicyStatement];
};

/**
 * Appends `additions` to a key policy, keeping every existing statement unchanged and in order. An
 * addition whose Sid is present with an equivalent statement is left out, so merging twice equals merging
 * once; the same Sid with different content is refused rather than overwritten. Inputs are not mutated.
 */
export const mergeKeyPolicy = (
  existing: PolicyDocument,
  additions: PolicyStatement[],
): KeyPolicyMergeResult => {
  const statements = structuredClone(statementsOf(existing));
  const added: PolicyStatement[] = [];
  const unchanged: PolicyStatement[] = [];

  for (const addition of additions) {
    const sid = addition.Sid;
    // Without a Sid there is no way to recognise the statement on the next run, so merging it twice
    // would add it twice.
    if (sid === undefined || sid === '') {
      return {
        ok: false,
        error: 'missing_sid',
        message:
          'Every statement added to a key policy needs a Sid, so a repeated request does not add it twice.',
      };
    }
    const sameSid = statements.filter((statement) => statement.Sid === sid);
    if (sameSid.some((statement) => statementsEquivalent(statement, addition))) {
      unchanged.push(structuredClone(addition));
      continue;
    }
    if (sameSid.length > 0) {
      return {
        ok: false,
        error: 'sid_conflict',
        sid,
        message:
          `The key policy already has a statement "${sid}" with different content. ` +
          'It was left untouched; review that statement in the key policy before trying again.',
      };
    }
    const copy = structuredClone(addition);
    statements.push(copy);
    added.push(structuredClone(addition));
  }

  const policy: PolicyDocument = { ...structuredClone(existing), Statement: statements };
  const bytes = keyPolicyBytes(policy);
  if (bytes > KEY_POLICY_MAX_BYTES) {
    return {
      ok: false,
      error: 'too_large',
      message:
        `With the new statements the key policy would be ${bytes.toLocaleString('en-US')} bytes; KMS allows ` +
        `${KEY_POLICY_MAX_BYTES.toLocaleString('en-US')}. Remove unused statements from the key policy first.`,
    };
  }
  return { ok: true, policy, added, unchanged };
};

/**
 * The sha256 (hex) of a policy's canonical JSON. Whitespace and key order do not change it; any change
 * of content does, including statement order. Throws a SyntaxError when the text is not JSON.
 */
export const policyHash = (policyText: string): string =>
  createHash('sha256')
    .update(stableStringify(JSON.parse(policyText) as unknown))
    .digest('hex');

export interface StatementDelta {
  /** Sids only in `after`. */
  added: string[];
  /** Sids only in `before`. */
  removed: string[];
  /** Sids in both whose statements are not equivalent. */
  changed: string[];
  /** Statements without a Sid can only be matched by content: how many appear only in `after`... */
  unnamedAdded: number;
  /** ...and how many only in `before`. */
  unnamedRemoved: number;
}

// Sid-less statements are compared as multisets of canonical text, so a reordering is not a change.
const countUnmatched = (from: string[], against: string[]): number => {
  const remaining = [...against];
  let unmatched = 0;
  for (const text of from) {
    const index = remaining.indexOf(text);
    if (index === -1) unmatched += 1;
    else remaining.splice(index, 1);
  }
  return unmatched;
};

/** What changes between two versions of a key policy, by Sid, for the approval card and drift reports. */
export const statementDelta = (before: PolicyDocument, after: PolicyDocument): StatementDelta => {
  const named = (policy: PolicyDocument): Map<string, PolicyStatement[]> => {
    const bySid = new Map<string, PolicyStatement[]>();
    for (const statement of statementsOf(policy)) {
      if (statement.Sid === undefined || statement.Sid === '') continue;
      bySid.set(statement.Sid, [...(bySid.get(statement.Sid) ?? []), statement]);
    }
    return bySid;
  };
  const unnamed = (policy: PolicyDocument): string[] =>
    statementsOf(policy)
      .filter((statement) => statement.Sid === undefined || statement.Sid === '')
      .map(canonicalStatementText);

  const beforeNamed = named(before);
  const afterNamed = named(after);
  const sameStatements = (a: PolicyStatement[], b: PolicyStatement[]): boolean =>
    countUnmatched(a.map(canonicalStatementText), b.map(canonicalStatementText)) === 0 &&
    a.length === b.length;

  return {
    added: [...afterNamed.keys()].filter((sid) => !beforeNamed.has(sid)),
    removed: [...beforeNamed.keys()].filter((sid) => !afterNamed.has(sid)),
    changed: [...afterNamed.entries()]
      .filter(([sid, statements]) => {
        const old = beforeNamed.get(sid);
        return old !== undefined && !sameStatements(old, statements);
      })
      .map(([sid]) => sid),
    unnamedAdded: countUnmatched(unnamed(after), unnamed(before)),
    unnamedRemoved: countUnmatched(unnamed(before), unnamed(after)),
  };
};

/** The sha256 (hex) of any JSON value's canonical form: equal data, equal hash, whatever the key order. */
export const contentHash = (value: unknown): string =>
  createHash('sha256').update(stableStringify(value)).digest('hex');

/** True when two JSON values are the same data (key order aside). */
export const sameContent = (a: unknown, b: unknown): boolean => stableStringify(a) === stableStringify(b);

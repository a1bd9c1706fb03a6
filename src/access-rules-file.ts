// zod's mini build, as src/config.ts (which sets its English messages): this file is on the slack path.
import * as z from 'zod/mini';
import type { $ZodError } from 'zod/v4/core';
import { formatDuration, parseDuration } from './commands/parse-command';
import {
  type AccessRules,
  BREAK_GLASS_DEFAULT_MAX_SECONDS,
  defaultAccessRules,
  defaultTierRule,
  type TierRule,
} from './domain/access-rules';
import { ALL_TIERS, approvalsRequiredFor, type Tier } from './domain/tiers';

/**
 * access-rules.yml, validated with zod when the function starts. The YAML itself is parsed at deploy
 * by scripts/access-rules-env.js (serverless.yml puts its output in ACCESS_RULES): the rules as JSON
 * plus the line of every key, so a mistake fails the start with the line of the offending key, e.g.
 * "access-rules.yml line 12 (tiers.admin.approvals): admin needs at least 2 different approvers".
 *
 * Schema, version 1 (snake_case as in the file):
 *   tiers:
 *     <admin|developer|readonly|custom>:
 *       requesters: everyone | [U…/S… ids]
 *       approvers: default | [U…/S… ids]
 *       approvals, max_duration ("8h"), duration_required, reason_required, auto_approve, break_glass
 *   accounts:
 *     <account name, as ACCOUNTS / HUB_ACCOUNT_NAME spell it>:
 *       tiers: { <tier>: <the same rule keys> }
 * An account listed under `accounts:` follows its own tiers (a tier it leaves out has the defaults);
 * every other account follows the top-level `tiers:`. A name the bot does not know fails the start.
 */

/** The file's content could not be turned into rules; the message names the line. */
export class AccessRulesError extends Error {
  override readonly name = 'AccessRulesError';
  /** Safe to show anywhere: it names a line and a key of the rules file, nothing secret. */
  readonly userMessage: string;
  constructor(message: string) {
    super(message);
    this.userMessage = message;
  }
}

const slackId = z
  .string()
  .check(
    z.regex(/^[UWS][A-Z0-9]{2,30}$/, 'must be a Slack user id (U0123ABCD) or user-group id (S0123ABCD)'),
  );

const duration = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    try {
      return parseDuration(text.trim(), Number.MAX_SAFE_INTEGER);
    } catch {
      ctx.issues.push({
        code: 'custom',
        message: `"${text}" is not a duration like 30m, 8h or 2d`,
        input: text,
      });
      return z.NEVER;
    }
  }),
);

const TierRuleSchema = z.nullable(
  z.strictObject({
    requesters: z.optional(z.union([z.literal('everyone'), z.array(slackId).check(z.minLength(1))])),
    approvers: z.optional(z.union([z.literal('default'), z.array(slackId).check(z.minLength(1))])),
    approvals: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(10))),
    max_duration: z.optional(duration),
    duration_required: z.optional(z.boolean()),
    reason_required: z.optional(z.boolean()),
    auto_approve: z.optional(z.boolean()),
    break_glass: z.optional(z.boolean()),
  }),
);

const TiersSchema = z.partialRecord(z.enum(ALL_TIERS), TierRuleSchema);

const RulesFileSchema = z.strictObject({
  version: z.optional(z.literal(1)),
  tiers: z.optional(TiersSchema),
  accounts: z.optional(z.record(z.string(), z.nullable(z.strictObject({ tiers: z.optional(TiersSchema) })))),
});

type RawTiers = z.infer<typeof TiersSchema>;

/** The accounts the bot knows (config), so the file can name only those. */
export interface KnownAccounts {
  names: readonly string[];
  defaultName: string;
}

type RawTierRule = NonNullable<z.infer<typeof TierRuleSchema>>;

/** The cross-field rules zod's shape cannot say; each names its key. */
function tierProblems(tier: Tier, raw: RawTierRule): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  const floor = approvalsRequiredFor({ action: 'grant', tier });
  if (raw.approvals !== undefined && raw.approvals < floor) {
    problems.push({
      key: 'approvals',
      message: `${tier} needs at least ${floor} different approvers (it lets its holder escalate); this cannot be lowered`,
    });
  }
  if (raw.auto_approve === true && tier !== 'readonly') {
    problems.push({ key: 'auto_approve', message: 'auto_approve is allowed only for readonly' });
  }
  if (raw.break_glass === true) {
    if (floor > 1) {
      problems.push({
        key: 'break_glass',
        message: `break_glass is not allowed for ${tier}: it needs ${floor} different approvers, and the requester is one person`,
      });
    }
    if (raw.approvals !== undefined && raw.approvals > 1) {
      problems.push({
        key: 'break_glass',
        message: 'break_glass is one approval, the requester’s own: drop approvals',
      });
    }
    if (raw.auto_approve === true) {
      problems.push({
        key: 'break_glass',
        message: 'a tier is either auto_approve or break_glass, not both',
      });
    }
  }
  return problems;
}

const toTierRule = (tier: Tier, raw: RawTierRule | null | undefined, globalMax: number): TierRule => {
  const base = defaultTierRule(tier);
  if (!raw) return base;
  const breakGlass = raw.break_glass ?? false;
  const max = raw.max_duration ?? (breakGlass ? BREAK_GLASS_DEFAULT_MAX_SECONDS : undefined);
  return {
    ...(Array.isArray(raw.requesters) ? { requesters: raw.requesters } : {}),
    ...(Array.isArray(raw.approvers) ? { approvers: raw.approvers } : {}),
    approvals: Math.max(base.approvals, raw.approvals ?? base.approvals),
    ...(max === undefined ? {} : { maxDurationSeconds: Math.min(max, globalMax) }),
    durationRequired: (raw.duration_required ?? false) || breakGlass,
    reasonRequired: (raw.reason_required ?? false) || breakGlass,
    autoApprove: raw.auto_approve ?? false,
    breakGlass,
  };
};

/** ACCESS_RULES as scripts/access-rules-env.js writes it. */
const EnvelopeSchema = z.object({
  file: z.string().check(z.minLength(1)),
  rules: z.unknown(),
  lines: z.record(z.string(), z.number().check(z.int())),
});

type Envelope = z.infer<typeof EnvelopeSchema>;

/** The JSON envelope of ACCESS_RULES, or AccessRulesError when it is not what the script writes. */
function readEnvelope(value: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    json = undefined;
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new AccessRulesError(
      'Invalid access rules: ACCESS_RULES is not what scripts/access-rules-env.js makes of access-rules.yml ' +
        '(serverless.yml sets it at deploy; local runs and tests call accessRulesEnv).',
    );
  }
  return envelope.data;
}

/** Throws AccessRulesError naming the file, the line of the key at `path` and the key. */
type Fail = (path: readonly PropertyKey[], key: string, message: string) => never;

function failerFor({ file, lines }: Envelope): Fail {
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The key's own line, else that of the nearest key above it.
    for (let depth = path.length; depth > 0; depth -= 1) {
      const line = lines[path.slice(0, depth).join('.')];
      if (line !== undefined) return line;
    }
    return undefined;
  };
  return (path, key, message) => {
    const line = lineOf(path);
    throw new AccessRulesError(
      `Invalid access rules: ${file}${line === undefined ? '' : ` line ${line}`}${key ? ` (${key})` : ''}: ${message}`,
    );
  };
}

/** Fails on the first schema issue, an unknown key on its own line rather than its parent's. */
function failOnFirstIssue(error: $ZodError, fail: Fail): void {
  const issue = error.issues[0];
  if (!issue) return;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = keys[0] === undefined ? issue.path : [...issue.path, keys[0]];
  fail(path, path.join('.'), issue.message);
}

/** Fails on a tier's first rule problem, or a max_duration above MAX_GRANT_DURATION_SECONDS. */
function checkTier(
  tier: Tier,
  raw: RawTierRule,
  globalMaxSeconds: number,
  fail: Fail,
  prefix: readonly string[] = [],
): void {
  const path = (key: string) => [...prefix, 'tiers', tier, key];
  const problem = tierProblems(tier, raw)[0];
  if (problem) fail(path(problem.key), path(problem.key).join('.'), problem.message);
  if (raw.max_duration !== undefined && raw.max_duration > globalMaxSeconds) {
    fail(
      path('max_duration'),
      path('max_duration').join('.'),
      `${formatDuration(raw.max_duration)} is longer than MAX_GRANT_DURATION_SECONDS (${formatDuration(globalMaxSeconds)})`,
    );
  }
}

/**
 * Validates ACCESS_RULES (scripts/access-rules-env.js's JSON of access-rules.yml). Throws
 * AccessRulesError naming the file, the line and the key. `globalMaxSeconds`
 * (MAX_GRANT_DURATION_SECONDS) caps every max_duration.
 */
export function parseAccessRules(
  value: string,
  globalMaxSeconds: number,
  known?: KnownAccounts,
): AccessRules {
  const envelope = readEnvelope(value);
  const fail = failerFor(envelope);
  const parsed = RulesFileSchema.safeParse(envelope.rules ?? {});
  if (!parsed.success) failOnFirstIssue(parsed.error, fail);
  const tiersOf = (raw: RawTiers, prefix: readonly string[]): Record<Tier, TierRule> => {
    for (const tier of ALL_TIERS) {
      const rule = raw[tier];
      if (rule) checkTier(tier, rule, globalMaxSeconds, fail, prefix);
    }
    return Object.fromEntries(
      ALL_TIERS.map((tier) => [tier, toTierRule(tier, raw[tier], globalMaxSeconds)]),
    ) as Record<Tier, TierRule>;
  };
  const rules = defaultAccessRules(envelope.file);
  rules.tiers = tiersOf(parsed.data?.tiers ?? {}, []);
  if (known) rules.defaultAccount = known.defaultName;
  const accounts = Object.entries(parsed.data?.accounts ?? {});
  if (accounts.length === 0) return rules;
  const names = known?.names ?? [];
  const unknown = accounts.map(([name]) => name).filter((name) => !names.includes(name));
  const [first] = unknown;
  if (first !== undefined) {
    fail(
      ['accounts', first],
      `accounts.${first}`,
      `${unknown.map((name) => `\`${name}\``).join(', ')} ${unknown.length === 1 ? 'is not an account' : 'are not accounts'} ` +
        `the bot knows (${names.length > 0 ? names.map((name) => `\`${name}\``).join(', ') : 'set ACCOUNTS first'}); ` +
        'fix the name or add the account to ACCOUNTS',
    );
  }
  rules.accounts = Object.fromEntries(
    accounts.map(([name, own]) => [name, tiersOf(own?.tiers ?? {}, ['accounts', name])]),
  );
  return rules;
}

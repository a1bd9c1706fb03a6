/**
 * The seed's "Create and configure an AWS KMS CMK for CodeBuild": merge its two statements into an existing
 * key policy (`kms allow`), or create a key whose policy has them (`kms create`).
 */
import type { ResolvedTarget } from '../command';
import { AwsOperationError, ConflictError, QuotaExceededError, UsageError } from '../errors';
import { mergeKeyPolicy, policyHash, statementDelta } from '../key-policy';
import { KEY_POLICY_MAX_BYTES, keyPolicyBytes } from '../policy-size';
import {
  botKeyStatements,
  codeBuildKeyStatements,
  defaultKeyPolicy,
  type PolicyDocument,
  type PolicyStatement,
} from '../seed-policies';
import { type AccountContext, kmsArn } from './account';
import type { ChangePlan } from './change-plan';
import { parsePolicyText, validatePolicyDocument } from './compare-documents';

/** What KMS says about a key. */
export interface KeyFacts {
  keyArn: string;
  keyId: string;
  /** Enabled, Disabled, PendingDeletion, ... */
  state: string;
  /** The key policy text exactly as GetKeyPolicy returned it. */
  policyText: string;
}

/** KMS's own pending window for a key the rollback deletes: the shortest it allows. */
export const KEY_DELETION_WINDOW_DAYS = 7;

const bytes = (policy: PolicyDocument): string =>
  `${keyPolicyBytes(JSON.stringify(policy)).toLocaleString('en-US')} of ${KEY_POLICY_MAX_BYTES.toLocaleString('en-US')} bytes`;

/** The seed's two key statements for a service role of the account. */
export const seedKeyStatements = (account: AccountContext, roleArn: string): PolicyStatement[] =>
  codeBuildKeyStatements({ accountId: account.accountId, region: account.region, roleArn });

// A merge result that is not ok is a problem the requester can act on; say which.
const mergeOrThrow = (
  before: PolicyDocument,
  account: AccountContext,
  roleArn: string,
  keyLabel: string,
  extra: PolicyStatement[] = [],
) => {
  const statements = seedKeyStatements(account, roleArn);
  const merged = mergeKeyPolicy(before, [...statements, ...extra]);
  if (!merged.ok) {
    if (merged.error === 'too_large') throw new QuotaExceededError(`${keyLabel}: ${merged.message}`);
    if (merged.error === 'sid_conflict') throw new ConflictError(`${keyLabel}: ${merged.message}`);
    throw new AwsOperationError(merged.message);
  }
  validatePolicyDocument(merged.policy);
  return { merged, statements };
};

/**
 * Plans `kms allow`: the key policy read now, the merged one, and the hash of the one read, which the apply
 * step compares before it writes. Existing statements are kept unchanged; nothing is written when the
 * statements are already there.
 */
export function planKmsAllow(
  request: { roleName: string; roleArn: string },
  account: AccountContext,
  key: KeyFacts,
): ChangePlan {
  if (account.kmsKeyArns.length > 0 && !account.kmsKeyArns.includes(key.keyArn)) {
    throw new UsageError(
      `Key ${key.keyArn} is not one the bot may change (KMS_KEY_ARNS lists ${account.kmsKeyArns.length} key(s)). ` +
        'Ask the bot admins to add it.',
    );
  }
  if (key.state !== 'Enabled') {
    throw new ConflictError(
      `Key ${key.keyArn} is ${key.state}; only an enabled key can be set up for CodeBuild.`,
    );
  }
  const before = parsePolicyText(key.policyText);
  const { merged, statements } = mergeOrThrow(before, account, request.roleArn, `Key ${key.keyId}`);
  const target: ResolvedTarget = { kind: 'key', name: key.keyId, arn: key.keyArn };
  const base = {
    summary: `Allow role ${request.roleName} to use KMS key ${key.keyId} for CodeBuild`,
    target,
    warnings: [] as string[],
    requiredApprovals: 1 as const,
    verification: {
      principalArn: request.roleArn,
      expectAllowed: [],
      expectDenied: [],
      keyPolicy: { key: key.keyArn, statements },
    },
  };
  if (merged.added.length === 0) {
    return {
      ...base,
      steps: [],
      unchanged: merged.unchanged.map((s) => `Key policy statement "${s.Sid}" is already there`),
    };
  }
  const expectedHash = policyHash(key.policyText);
  return {
    ...base,
    steps: [
      {
        id: 'put-key-policy',
        do: {
          type: 'putKeyPolicy',
          keyArn: key.keyArn,
          policy: merged.policy,
          previous: before,
          expectedHash,
        },
        undo: {
          type: 'putKeyPolicy',
          keyArn: key.keyArn,
          policy: before,
          previous: merged.policy,
          expectedHash: policyHash(JSON.stringify(merged.policy)),
        },
      },
    ],
    unchanged: merged.unchanged.map((s) => `Key policy statement "${s.Sid}" is already there`),
    details: [
      `Every existing statement is kept (${before.Statement.length}); the policy grows to ${bytes(merged.policy)}.`,
      `Policy hash approved: ${expectedHash.slice(0, 12)}… If the key policy changes before apply, nothing is written.`,
    ],
  };
}

/**
 * The policy of a key `kms create` makes: KMS's default statement, the seed's two, and the statements that
 * let the bot's own roles finish and undo this request on the key (botKeyStatements). Deterministic, so
 * the apply step can rebuild it and refuse any other.
 */
export function kmsCreatePolicy(account: AccountContext, roleArn: string, label: string): PolicyDocument {
  return mergeOrThrow(
    defaultKeyPolicy(account.accountId, account.partition),
    account,
    roleArn,
    label,
    botKeyStatements(account.botRoles),
  ).merged.policy;
}

/** The description of a key `kms create` makes. */
export const kmsKeyDescription = (alias: string, roleName: string): string =>
  `CodeBuild artifacts key ${alias} for role ${roleName} (codebuild-access)`;

/** Plans `kms create`: CreateKey with the default statement, the seed's two and the bot's own, then CreateAlias. */
export function planKmsCreate(
  request: { alias: string; roleName: string; roleArn: string },
  account: AccountContext,
  aliasTarget: string | undefined,
): ChangePlan {
  if (aliasTarget !== undefined) {
    throw new ConflictError(
      `${request.alias} already names key ${aliasTarget}; I did not create another. ` +
        `To set that key up for CodeBuild, use \`kms allow ${request.alias} ${request.roleName}\`.`,
    );
  }
  const policy = kmsCreatePolicy(account, request.roleArn, `The new key for ${request.alias}`);
  const statements = seedKeyStatements(account, request.roleArn);
  const aliasArn = kmsArn(account, request.alias);
  return {
    summary: `Create KMS key ${request.alias} for CodeBuild role ${request.roleName}`,
    target: { kind: 'key', name: request.alias, arn: aliasArn },
    steps: [
      {
        id: 'create-key',
        do: {
          type: 'createKey',
          alias: request.alias,
          policy,
          description: kmsKeyDescription(request.alias, request.roleName),
        },
        undo: { type: 'scheduleKeyDeletion', keyArn: null, pendingWindowInDays: KEY_DELETION_WINDOW_DAYS },
      },
      {
        id: 'create-alias',
        do: { type: 'createAlias', alias: request.alias, keyArn: null },
        undo: { type: 'deleteAlias', alias: request.alias },
      },
    ],
    unchanged: [],
    warnings: [],
    details: [
      `Key policy: the default account statement, the seed's two, and three that let this bot's own roles ` +
        `finish and undo this request on the key (no tag-based permission is used); ${bytes(policy)}.`,
    ],
    requiredApprovals: 1,
    verification: {
      principalArn: request.roleArn,
      expectAllowed: [],
      expectDenied: [],
      keyPolicy: { key: request.alias, statements },
    },
  };
}

/** What changed in a key policy between approval and apply, for the Conflict message. */
export function describeKeyPolicyDrift(approved: PolicyDocument, current: PolicyDocument): string {
  const delta = statementDelta(approved, current);
  const parts = [
    delta.added.length > 0 ? `statements added: ${delta.added.join(', ')}` : '',
    delta.removed.length > 0 ? `statements removed: ${delta.removed.join(', ')}` : '',
    delta.changed.length > 0 ? `statements changed: ${delta.changed.join(', ')}` : '',
    delta.unnamedAdded > 0 ? `${delta.unnamedAdded} statement(s) without a Sid added` : '',
    delta.unnamedRemoved > 0 ? `${delta.unnamedRemoved} statement(s) without a Sid removed` : '',
  ].filter((part) => part !== '');
  return parts.length > 0 ? parts.join('; ') : 'the order or the top-level fields changed';
}

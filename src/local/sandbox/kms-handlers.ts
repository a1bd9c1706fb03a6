/**
 * KMS on the sandbox account, one handler per SDK command, following the KMS API Reference and the
 * "Key states" table of the KMS Developer Guide: key policies are stored as the exact text sent, checked
 * for size, grammar, principals that exist (and are visible yet) and the lockout rule.
 */
import {
  AlreadyExistsException,
  type CancelKeyDeletionCommandInput,
  type CancelKeyDeletionCommandOutput,
  type CreateAliasCommandInput,
  type CreateKeyCommandInput,
  type CreateKeyCommandOutput,
  type DeleteAliasCommandInput,
  type DescribeKeyCommandInput,
  type DescribeKeyCommandOutput,
  type EnableKeyCommandInput,
  type GetKeyPolicyCommandInput,
  type GetKeyPolicyCommandOutput,
  InvalidAliasNameException,
  InvalidMarkerException,
  type KeyMetadata,
  KMSInvalidStateException,
  KMSServiceException,
  LimitExceededException,
  type ListAliasesCommandInput,
  type ListAliasesCommandOutput,
  type ListKeysCommandInput,
  type ListKeysCommandOutput,
  MalformedPolicyDocumentException,
  NotFoundException,
  type PutKeyPolicyCommandInput,
  type ScheduleKeyDeletionCommandInput,
  type ScheduleKeyDeletionCommandOutput,
} from '@aws-sdk/client-kms';
import { KEY_POLICY_MAX_BYTES, keyPolicyBytes } from '../../domain/policy-size';
import type { PolicyDocument } from '../../domain/seed-policies';
import type { SandboxAccount, SandboxAlias, SandboxKey } from './account';
import { evaluateActions } from './evaluate';
import {
  awsError,
  handle,
  iamPage,
  type Result,
  responseMetadata,
  type SandboxHandlers,
} from './handler-kit';
import { policyProblem, principalValues } from './policy-validation';

// KMS (a JSON protocol service) answers every client error with HTTP 400.
const notFound = (message: string) => awsError(NotFoundException, 400, message);
const malformed = (message: string) => awsError(MalformedPolicyDocumentException, 400, message);
const limitExceeded = (message: string) => awsError(LimitExceededException, 400, message);
const invalidState = (message: string) => awsError(KMSInvalidStateException, 400, message);
const alreadyExists = (message: string) => awsError(AlreadyExistsException, 400, message);
const invalidAliasName = (message: string) => awsError(InvalidAliasNameException, 400, message);
const invalidMarker = () => awsError(InvalidMarkerException, 400, 'Invalid marker');
// Modelled constraints are checked before KMS looks at anything; the SDK has no class for that error.
const validationError = (message: string) =>
  new KMSServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message,
    $metadata: responseMetadata(400),
  });

const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = /^arn:[\w-]+:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:[\w-]+:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;
// KMS's pattern for key policy text: tab, LF, CR and printable Latin-1.
const POLICY_CHARS = /^[\t\n\r\u0020-\u00ff]+$/;
const ALIASES_PER_KEY = 50;

const keyById = (account: SandboxAccount, keyId: string): SandboxKey => {
  const key = account.keys.get(keyId);
  if (!key) throw notFound(`Key '${account.keyArn(keyId)}' does not exist`);
  return key;
};

// An alias ARN of another region or account names no alias here.
const aliasByArn = (account: SandboxAccount, match: RegExpExecArray): SandboxAlias | undefined =>
  match[1] === account.region && match[2] === account.accountId
    ? account.aliases.get(match[3] ?? '')
    : undefined;

const keyByAlias = (account: SandboxAccount, keyId: string): SandboxKey | undefined => {
  const aliasArn = ALIAS_ARN.exec(keyId);
  const aliasName = aliasArn ? aliasArn[3] : keyId.startsWith('alias/') ? keyId : undefined;
  if (aliasName === undefined) return undefined;
  const alias = aliasArn ? aliasByArn(account, aliasArn) : account.aliases.get(aliasName);
  if (!alias) throw notFound(`Alias ${account.aliasArn(aliasName)} is not found.`);
  return keyById(account, alias.keyId);
};

const keyByArn = (account: SandboxAccount, match: RegExpExecArray): SandboxKey => {
  if (match[1] !== account.region || match[2] !== account.accountId) {
    throw notFound(`Key '${match[0]}' does not exist`);
  }
  return keyById(account, match[3] ?? '');
};

/**
 * The key a KeyId parameter names. Every operation takes a key id or key ARN; DescribeKey (and the other
 * operations whose reference says so) also takes an alias name or alias ARN.
 */
const resolveKey = (
  account: SandboxAccount,
  rawKeyId: string | undefined,
  allowAlias: boolean,
): SandboxKey => {
  const keyId = required(rawKeyId, 'keyId');
  if (KEY_ID.test(keyId)) return keyById(account, keyId);
  const keyArn = KEY_ARN.exec(keyId);
  if (keyArn) return keyByArn(account, keyArn);
  const aliased = allowAlias ? keyByAlias(account, keyId) : undefined;
  if (aliased) return aliased;
  throw notFound(`Invalid keyId '${keyId}'`);
};

const keyMetadata = (account: SandboxAccount, key: SandboxKey): KeyMetadata => ({
  AWSAccountId: account.accountId,
  KeyId: key.keyId,
  Arn: key.arn,
  CreationDate: new Date(key.creationDate),
  Enabled: key.keyState === 'Enabled',
  Description: key.description,
  KeyUsage: 'ENCRYPT_DECRYPT',
  KeyState: key.keyState,
  Origin: 'AWS_KMS',
  KeyManager: 'CUSTOMER',
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
  KeySpec: 'SYMMETRIC_DEFAULT',
  EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  MultiRegion: false,
  ...(key.deletionDate !== undefined ? { DeletionDate: new Date(key.deletionDate) } : {}),
  ...(key.pendingWindowInDays !== undefined ? { PendingDeletionWindowInDays: key.pendingWindowInDays } : {}),
});

// The identity policy of an administrator of the account: whoever IAM policies let manage every key.
const KEY_ADMINISTRATOR_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'kms:PutKeyPolicy', Resource: '*' }],
};

/**
 * KMS's lockout safety check, as far as the sandbox can judge it: iam-simulate must find that an
 * administrator of the account (a principal whose IAM policy allows kms:PutKeyPolicy) could still call
 * PutKeyPolicy on the key under the new policy. The sandbox does not know the real caller, so a policy that
 * names only some other principal counts as a lockout, as it would for an administrator calling it.
 */
const keyPolicyKeepsAdmin = async (
  account: SandboxAccount,
  policy: string,
  keyArn: string,
): Promise<boolean> => {
  const [result] = await evaluateActions({
    principalArn: account.principalArn('role', '/', 'sandbox-key-administrator'),
    managedPolicyArns: [],
    inlineDocuments: [KEY_ADMINISTRATOR_POLICY],
    actions: ['kms:PutKeyPolicy'],
    resource: keyArn,
    resourcePolicy: JSON.parse(policy) as PolicyDocument,
  });
  return result?.decision === 'allowed';
};

// Size and characters are modelled constraints and quotas, checked before the grammar.
const checkKeyPolicyText = (policy: string): void => {
  if (!POLICY_CHARS.test(policy)) {
    throw validationError(
      "1 validation error detected: Value at 'policy' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    );
  }
  // The key policy document size quota (32 KB) is not adjustable; KMS reports quotas as LimitExceeded.
  if (keyPolicyBytes(policy) > KEY_POLICY_MAX_BYTES) {
    throw limitExceeded(`The key policy exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`);
  }
};

/**
 * The checks CreateKey and PutKeyPolicy make on a key policy, in the order KMS documents them. A role
 * that exists but that KMS cannot see yet fails like a role that does not exist, as in a real account
 * right after CreateRole.
 */
const checkKeyPolicy = async (
  account: SandboxAccount,
  policy: string,
  keyArn: string,
  bypassLockoutCheck: boolean,
): Promise<void> => {
  checkKeyPolicyText(policy);
  const problem = policyProblem('key', policy);
  if (problem) throw malformed(problem);
  for (const principal of principalValues(policy, 'AWS')) {
    const visible = account.principalExists(principal) && account.kmsSeesRole(principal);
    if (!visible) throw malformed('Policy contains a statement with one or more invalid principals.');
  }
  if (!bypassLockoutCheck && !(await keyPolicyKeepsAdmin(account, policy, keyArn))) {
    throw malformed('The new key policy will not allow you to update the key policy in the future.');
  }
};

const checkPolicyName = (policyName: string | undefined): void => {
  if (policyName !== undefined && policyName !== 'default') throw notFound('No such policy exists');
};

const aliasEntry = (account: SandboxAccount, alias: SandboxAlias) => ({
  AliasName: alias.name,
  AliasArn: account.aliasArn(alias.name),
  TargetKeyId: alias.keyId,
  CreationDate: new Date(alias.creationDate),
  LastUpdatedDate: new Date(alias.lastUpdatedDate),
});

const kmsPage = <T>(
  items: readonly T[],
  input: { Limit?: number | undefined; Marker?: string | undefined },
) => {
  const limit = input.Limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw validationError(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: ` +
        'Member must have value between 1 and 1000',
    );
  }
  const page = iamPage(items, { Marker: input.Marker, MaxItems: limit }, () => invalidMarker());
  return { items: page.items, Truncated: page.IsTruncated, NextMarker: page.Marker };
};

/** KMS commands the sandbox answers, keyed by SDK command name. */
export const kmsHandlers: SandboxHandlers = {
  CreateKeyCommand: handle(
    async (input: CreateKeyCommandInput, account): Promise<Result<CreateKeyCommandOutput>> => {
      const description = input.Description ?? '';
      if (description.length > 8192) {
        throw validationError(
          "1 validation error detected: Value at 'description' failed to satisfy constraint: " +
            'Member must have length less than or equal to 8192',
        );
      }
      const bypass = input.BypassPolicyLockoutSafetyCheck === true;
      const policy = input.Policy ?? account.defaultKeyPolicyText();
      const keyId = account.newKeyId();
      if (input.Policy !== undefined) await checkKeyPolicy(account, policy, account.keyArn(keyId), bypass);
      const key: SandboxKey = {
        keyId,
        arn: account.keyArn(keyId),
        description,
        keyState: 'Enabled',
        creationDate: account.now(),
        policy,
        lockoutCheckBypassed: bypass,
      };
      account.keys.set(keyId, key);
      account.changed();
      return { KeyMetadata: keyMetadata(account, key) };
    },
  ),

  DescribeKeyCommand: handle(
    (input: DescribeKeyCommandInput, account): Result<DescribeKeyCommandOutput> => ({
      KeyMetadata: keyMetadata(account, resolveKey(account, input.KeyId, true)),
    }),
  ),

  ListKeysCommand: handle((input: ListKeysCommandInput, account): Result<ListKeysCommandOutput> => {
    const keys = [...account.keys.values()].map((key) => ({ KeyId: key.keyId, KeyArn: key.arn }));
    const page = kmsPage(keys, input);
    return { Keys: page.items, Truncated: page.Truncated, NextMarker: page.NextMarker };
  }),

  GetKeyPolicyCommand: handle(
    (input: GetKeyPolicyCommandInput, account): Result<GetKeyPolicyCommandOutput> => {
      const key = resolveKey(account, input.KeyId, false);
      checkPolicyName(input.PolicyName);
      return { Policy: key.policy, PolicyName: 'default' };
    },
  ),

  PutKeyPolicyCommand: handle(async (input: PutKeyPolicyCommandInput, account) => {
    const key = resolveKey(account, input.KeyId, false);
    checkPolicyName(input.PolicyName);
    const policy = required(input.Policy, 'policy');
    const bypass = input.BypassPolicyLockoutSafetyCheck === true;
    await checkKeyPolicy(account, policy, key.arn, bypass);
    key.policy = policy;
    // Sticky: once bypassed, the key's history says so even after a later normal put.
    if (bypass) key.lockoutCheckBypassed = true;
    account.changed();
    return {};
  }),

  CreateAliasCommand: handle((input: CreateAliasCommandInput, account) => {
    const name = required(input.AliasName, 'aliasName');
    if (!ALIAS_NAME.test(name) || name.length > 256) {
      throw invalidAliasName(`Alias name ${name} must begin with alias/ and contain only [a-zA-Z0-9/_-]`);
    }
    if (name.startsWith('alias/aws/'))
      throw invalidAliasName('Alias names that begin with alias/aws/ are reserved');
    const key = resolveKey(account, input.TargetKeyId, false);
    if (account.aliases.has(name))
      throw alreadyExists(`An alias with the name ${account.aliasArn(name)} already exists`);
    if (key.keyState === 'PendingDeletion') throw invalidState(`${key.arn} is pending deletion.`);
    const count = [...account.aliases.values()].filter((alias) => alias.keyId === key.keyId).length;
    if (count >= ALIASES_PER_KEY)
      throw limitExceeded(`Cannot exceed quota for AliasesPerKey: ${ALIASES_PER_KEY}`);
    const now = account.now();
    account.aliases.set(name, { name, keyId: key.keyId, creationDate: now, lastUpdatedDate: now });
    account.changed();
    return {};
  }),

  DeleteAliasCommand: handle((input: DeleteAliasCommandInput, account) => {
    const name = required(input.AliasName, 'aliasName');
    if (!account.aliases.delete(name)) throw notFound(`Alias ${account.aliasArn(name)} is not found.`);
    account.changed();
    return {};
  }),

  ListAliasesCommand: handle((input: ListAliasesCommandInput, account): Result<ListAliasesCommandOutput> => {
    const keyId = input.KeyId === undefined ? undefined : resolveKey(account, input.KeyId, false).keyId;
    const aliases = [...account.aliases.values()]
      .filter((alias) => keyId === undefined || alias.keyId === keyId)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((alias) => aliasEntry(account, alias));
    const page = kmsPage(aliases, input);
    return { Aliases: page.items, Truncated: page.Truncated, NextMarker: page.NextMarker };
  }),

  ScheduleKeyDeletionCommand: handle(
    (input: ScheduleKeyDeletionCommandInput, account): Result<ScheduleKeyDeletionCommandOutput> => {
      const key = resolveKey(account, input.KeyId, false);
      const days = input.PendingWindowInDays ?? 30;
      if (!Number.isInteger(days) || days < 7 || days > 30) {
        throw validationError(
          `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: ` +
            'Member must have value between 7 and 30',
        );
      }
      if (key.keyState === 'PendingDeletion') throw invalidState(`${key.arn} is pending deletion.`);
      const deletionDate = new Date(account.clock.now().getTime() + days * 24 * 60 * 60 * 1000);
      key.keyState = 'PendingDeletion';
      key.deletionDate = deletionDate.toISOString();
      key.pendingWindowInDays = days;
      account.changed();
      // KMS answers with the key ARN in KeyId here, not the bare id.
      return {
        KeyId: key.arn,
        DeletionDate: deletionDate,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: days,
      };
    },
  ),

  CancelKeyDeletionCommand: handle(
    (input: CancelKeyDeletionCommandInput, account): Result<CancelKeyDeletionCommandOutput> => {
      const key = resolveKey(account, input.KeyId, false);
      if (key.keyState !== 'PendingDeletion') throw invalidState(`${key.arn} is not pending deletion.`);
      // A key whose deletion is cancelled comes back Disabled, not Enabled.
      key.keyState = 'Disabled';
      delete key.deletionDate;
      delete key.pendingWindowInDays;
      account.changed();
      return { KeyId: key.arn };
    },
  ),

  EnableKeyCommand: handle((input: EnableKeyCommandInput, account) => {
    const key = resolveKey(account, input.KeyId, false);
    if (key.keyState === 'PendingDeletion') throw invalidState(`${key.arn} is pending deletion.`);
    if (key.keyState !== 'Enabled') {
      key.keyState = 'Enabled';
      account.changed();
    }
    return {};
  }),
};

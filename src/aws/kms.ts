import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  AwsOperationError,
  ConflictError,
  NotYetConsistentError,
  QuotaExceededError,
} from '../domain/errors';
import { keyOptInTag, policyHash } from '../domain/key-policy';
import {
  describeKeyPolicyDrift,
  describeOperation,
  type KeyFacts,
  type KmsOperation,
  parsePolicyText,
} from '../domain/plans';
import { KEY_POLICY_MAX_BYTES, keyPolicyBytes } from '../domain/policy-size';
import type { KmsPort } from '../domain/ports';
import { awsErrorName, classifyAwsError, isAccessDenied, isNotFound } from './classify-error';

// KMS refuses a key policy naming a role it cannot see yet with this error (IAM eventual consistency).
const MALFORMED = 'MalformedPolicyDocumentException';

type Outcome = { outcome: 'changed' | 'unchanged'; keyArn?: string };

/** KmsPort on the AWS SDK. Never sets BypassPolicyLockoutSafetyCheck; reads every policy back after a write. */
export class KmsGateway implements KmsPort {
  /** `stage`: the bot's stage, which a key's opt-in tag must name (codebuild-access=<stage>). */
  constructor(
    private readonly client: KMSClient,
    private readonly stage: string,
  ) {}

  async describeKey(keyRef: string): Promise<KeyFacts | undefined> {
    try {
      const out = await this.client.send(new DescribeKeyCommand({ KeyId: keyRef }));
      const meta = out.KeyMetadata;
      if (!meta?.Arn || !meta.KeyId) return undefined;
      return {
        keyArn: meta.Arn,
        keyId: meta.KeyId,
        state: meta.KeyState ?? 'Unknown',
        policyText: await this.getKeyPolicy(meta.Arn),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (isAccessDenied(error)) {
        // The bot's roles may touch only keys tagged codebuild-access=<their stage> (serverless.yml), and
        // the keys they created (whose own policy names them). A key tagged for another stage is denied too.
        throw new ConflictError(
          `The bot (stage ${this.stage}) may not use KMS key ${keyRef}. To let it, a key admin tags the key ` +
            `${keyOptInTag(this.stage)} (the tag value is the stage; a key tagged for another stage stays closed ` +
            'to this one; KMS may take up to 5 minutes to honour a new tag) and, if KMS_KEY_ARNS is set, adds ' +
            'its ARN there.',
          { cause: error },
        );
      }
      throw classifyAwsError(error, `look up KMS key ${keyRef}`);
    }
  }

  async run(op: KmsOperation): Promise<Outcome> {
    const what = describeOperation(op);
    try {
      switch (op.type) {
        case 'putKeyPolicy':
          return await this.putKeyPolicy(op);
        case 'createKey':
          return await this.createKey(op);
        case 'scheduleKeyDeletion': {
          const keyArn = bound(op.keyArn, what);
          const key = await this.client.send(new DescribeKeyCommand({ KeyId: keyArn }));
          if (key.KeyMetadata?.KeyState === 'PendingDeletion') return { outcome: 'unchanged' };
          await this.client.send(
            new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: op.pendingWindowInDays }),
          );
          return { outcome: 'changed' };
        }
        case 'createAlias': {
          const keyArn = bound(op.keyArn, what);
          const current = await this.aliasTarget(op.alias);
          if (current !== undefined) {
            if (current === keyArn) return { outcome: 'unchanged' };
            throw new ConflictError(`${op.alias} now names another key (${current}); I did not move it.`);
          }
          await this.client.send(new CreateAliasCommand({ AliasName: op.alias, TargetKeyId: keyArn }));
          return { outcome: 'changed' };
        }
        case 'deleteAlias':
          try {
            await this.client.send(new DeleteAliasCommand({ AliasName: op.alias }));
            return { outcome: 'changed' };
          } catch (error) {
            if (isNotFound(error)) return { outcome: 'unchanged' };
            throw error;
          }
      }
    } catch (error) {
      throw classifyAwsError(error, what);
    }
  }

  private async getKeyPolicy(keyArn: string): Promise<string> {
    const out = await this.client.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }));
    return out.Policy ?? '{}';
  }

  private async aliasTarget(alias: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata?.Arn;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Nothing guards concurrent writes to a key policy, so: read it, compare its hash with the one the
   * approver saw, write only when equal, and read it back.
   */
  private async putKeyPolicy(op: Extract<KmsOperation, { type: 'putKeyPolicy' }>): Promise<Outcome> {
    const text = JSON.stringify(op.policy);
    const wanted = policyHash(text);
    const currentText = await this.getKeyPolicy(op.keyArn);
    const current = policyHash(currentText);
    // A retry after a write whose journal entry was lost.
    if (current === wanted) return { outcome: 'unchanged' };
    if (current !== op.expectedHash) {
      throw new ConflictError(
        `The policy of KMS key ${op.keyArn} changed after it was approved ` +
          `(${describeKeyPolicyDrift(op.previous, parsePolicyText(currentText))}). ` +
          'I did not overwrite it. Run the command again so an approver sees the current policy.',
      );
    }
    const size = keyPolicyBytes(text);
    if (size > KEY_POLICY_MAX_BYTES) {
      throw new QuotaExceededError(
        `The key policy would be ${size} bytes; KMS allows ${KEY_POLICY_MAX_BYTES}.`,
      );
    }
    await this.withConsistencyRetry(op.keyArn, () =>
      this.client.send(new PutKeyPolicyCommand({ KeyId: op.keyArn, PolicyName: 'default', Policy: text })),
    );
    await this.readBack(op.keyArn, wanted);
    return { outcome: 'changed' };
  }

  private async createKey(op: Extract<KmsOperation, { type: 'createKey' }>): Promise<Outcome> {
    const text = JSON.stringify(op.policy);
    const out = await this.withConsistencyRetry(op.alias, () =>
      this.client.send(
        new CreateKeyCommand({
          Policy: text,
          Description: op.description,
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          // No Tags: tagging in CreateKey needs kms:TagResource in an IAM policy on every key of the account
          // (AWS KMS developer guide, "Managing KMS key tags"), which no role of the bot has. Nothing depends
          // on a tag here: the new key's own policy names the bot's roles, which is what lets it finish and
          // undo the request on that key.
        }),
      ),
    );
    const keyArn = out.KeyMetadata?.Arn;
    if (!keyArn) throw new AwsOperationError(`KMS created a key for ${op.alias} but did not say which.`);
    await this.readBack(keyArn, policyHash(text));
    return { outcome: 'changed', keyArn };
  }

  // PutKeyPolicy accepts useless statements, and a lost write would go unnoticed: compare what KMS holds.
  private async readBack(keyArn: string, wantedHash: string): Promise<void> {
    if (policyHash(await this.getKeyPolicy(keyArn)) !== wantedHash) {
      throw new AwsOperationError(
        `After the write, the policy of KMS key ${keyArn} is not the approved one (changed concurrently?). Check it by hand.`,
      );
    }
  }

  // MalformedPolicyDocument right after the role was created means KMS cannot see the role yet. The
  // workflow retries NotYetConsistent with backoff for a bounded time (ASL Retry on "Apply the change").
  private async withConsistencyRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (awsErrorName(error) === MALFORMED) {
        throw new NotYetConsistentError(
          `KMS does not accept the policy for ${what} yet (${MALFORMED}); a role created moments ago may not ` +
            'be visible to KMS. Retrying for a few minutes.',
          { cause: error, detail: error instanceof Error ? error.message : String(error) },
        );
      }
      throw error;
    }
  }
}

const bound = (keyArn: string | null, what: string): string => {
  if (keyArn === null) throw new AwsOperationError(`Cannot ${what}: the key it refers to was never created.`);
  return keyArn;
};

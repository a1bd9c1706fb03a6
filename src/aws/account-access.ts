import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import {
  type AccountAccess,
  AccountAccessDeniedError,
  type AccountDirectory,
  type AccountFunction,
  type AccountPorts,
  type AccountSetup,
  accountAccessDeniedMessage,
  accountContextIn,
  isHub,
  memberRoleArn,
  memberRoleName,
  type TargetAccount,
} from '../domain/accounts';
import type { AccountContext } from '../domain/plans';
import type { KmsPort } from '../domain/ports';
import { partitionForRegion } from '../domain/seed-policies';
import { classifyAwsError, isAccessDenied } from './classify-error';
import { CodeBuildGateway } from './codebuild';
import { IamGateway } from './iam';

/** The SDK clients of one account and region. */
export interface AccountClients {
  iam: IAMClient;
  kms?: KMSClient;
  codebuild?: CodeBuildClient;
}

export interface AccountAccessOptions extends AccountSetup {
  /**
   * Clients for an account: with `credentials` undefined, the function's own (the hub); otherwise the
   * member role's. Called lazily, once per account, function, session and region.
   */
  clients: (credentials: AwsCredentialIdentity | undefined, region: string) => AccountClients;
  /**
   * The KMS port over an account's KMS client, for the functions whose role allows KMS. Injected, so the
   * slack function (no KMS call) bundles no KMS client (33 KB, docs/performance.md).
   */
  kmsPort?: (client: KMSClient) => KmsPort;
  /** STS with the hub function's own credentials (created on the first member-account call). */
  sts: (fn: AccountFunction) => STSClient;
}

// Assumed credentials are reused until this close to their expiry.
const EXPIRY_MARGIN_MS = 5 * 60_000;
// One task assumes one role; a warm slack container sees a few requesters. Beyond this, oldest go first.
const MAX_CACHED = 32;

/**
 * Acts in the accounts of the directory. Nothing is created at import or construction: the hub's
 * clients on the first call, a member's on the first call for it (AssumeRole, then clients with those
 * credentials), so the Slack path's cold start pays for neither.
 */
export class StsAccountAccess implements AccountAccess {
  readonly directory: AccountDirectory;
  private readonly cache = new Map<string, { ports: AccountPorts; until: number }>();

  constructor(
    private readonly options: AccountAccessOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.directory = options.directory;
  }

  context(account: TargetAccount): AccountContext {
    return accountContextIn(this.options, account);
  }

  async ports(account: TargetAccount, fn: AccountFunction, sessionName: string): Promise<AccountPorts> {
    const region = account.region ?? this.options.region;
    const key = `${account.id}|${region}|${fn}|${sessionName}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > this.now()) return cached.ports;
    const { ports, until } = isHub(this.directory, account)
      ? { ports: this.portsOver(undefined, region), until: Number.POSITIVE_INFINITY }
      : await this.assumed(account, fn, sessionName, region);
    this.cache.delete(key);
    this.cache.set(key, { ports, until });
    while (this.cache.size > MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return ports;
  }

  private async assumed(
    account: TargetAccount,
    fn: AccountFunction,
    sessionName: string,
    region: string,
  ): Promise<{ ports: AccountPorts; until: number }> {
    const { partition } = partitionForRegion(region);
    const roleArn = memberRoleArn(partition, account.id, this.options.stage, fn);
    let credentials: AwsCredentialIdentity;
    let until: number;
    try {
      const output = await this.options
        .sts(fn)
        .send(
          new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }),
        );
      const issued = output.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
        throw new Error('AssumeRole returned no credentials');
      }
      until = (issued.Expiration?.getTime() ?? this.now() + 3_600_000) - EXPIRY_MARGIN_MS;
      credentials = {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        ...(issued.SessionToken ? { sessionToken: issued.SessionToken } : {}),
        ...(issued.Expiration ? { expiration: issued.Expiration } : {}),
      };
    } catch (error) {
      // The member stack is missing (no such role) or its trust does not name this hub's role: STS says
      // AccessDenied for both, so the answer says what to deploy.
      if (isAccessDenied(error)) {
        throw new AccountAccessDeniedError(
          accountAccessDeniedMessage(account, memberRoleName(this.options.stage, fn)),
          {
            cause: error,
            detail: `AssumeRole ${roleArn} as ${sessionName}`,
          },
        );
      }
      throw classifyAwsError(error, `assume the bot's role in account ${account.name} (${account.id})`);
    }
    return { ports: this.portsOver(credentials, region), until };
  }

  private portsOver(credentials: AwsCredentialIdentity | undefined, region: string): AccountPorts {
    const clients = this.options.clients(credentials, region);
    return {
      iam: new IamGateway(clients.iam),
      ...(clients.kms && this.options.kmsPort ? { kms: this.options.kmsPort(clients.kms) } : {}),
      ...(clients.codebuild ? { codebuild: new CodeBuildGateway(clients.codebuild) } : {}),
    };
  }
}

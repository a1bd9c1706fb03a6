/**
 * The sandbox organization: the hub account the bot is deployed in and member accounts, each its own
 * SandboxAccount (IAM, KMS, CodeBuild state), with STS AssumeRole modelled between them: the role must
 * exist in the member account, and its trust must allow the calling hub role (Principal the hub account
 * or that role, and any aws:PrincipalArn / aws:PrincipalOrgID / sts:RoleSessionName condition met).
 * Otherwise AccessDenied,
 * as AWS answers both a missing role and a trust that does not allow the caller.
 */
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SandboxAccount } from './account';
import { codebuildHandlers } from './codebuild-handlers';
import { handle, responseMetadata } from './handler-kit';
import { iamHandlers } from './iam-handlers';
import { kmsHandlers } from './kms-handlers';
import { type InstallOptions, installSandbox, type SandboxClients } from './plug';

/** One AssumeRole the organization answered (or refused), for tests and /local/sandbox. */
export interface SandboxSession {
  accountId: string;
  roleArn: string;
  sessionName: string;
  /** The hub role that called. */
  caller: string;
  allowed: boolean;
  at: string;
}

/** The organization id the sandbox's accounts share (aws:PrincipalOrgID). */
export const SANDBOX_ORG_ID = 'o-sandbox0001';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role(\/(?:[\x21-\x7e]+\/)?)?([\w+=,.@-]{1,64})$/;

const stsError = (name: string, status: number, message: string): Error =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: responseMetadata(status) });

type Statement = {
  Effect?: string;
  Action?: string | string[];
  Principal?: { AWS?: string | string[] } | string;
  Condition?: Record<string, Record<string, string | string[]>>;
};

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** What an AssumeRole request carries that a trust's conditions can test. */
interface AssumeRoleContext {
  callerArn: string;
  sessionName: string;
}

/** IAM's StringLike: `*` any run of characters, `?` one character, case-sensitive. */
function stringLike(pattern: string, value: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

// The condition keys a member stack's trust uses; any other key does not match (fail closed).
function conditionMet(operator: string, key: string, wanted: string[], request: AssumeRoleContext): boolean {
  const { callerArn, sessionName } = request;
  const callerAccount = callerArn.split(':')[4] ?? '';
  if (key === 'aws:PrincipalArn' && (operator === 'ArnEquals' || operator === 'StringEquals')) {
    return wanted.includes(callerArn);
  }
  if (key === 'sts:RoleSessionName') {
    if (operator === 'StringEquals') return wanted.includes(sessionName);
    if (operator === 'StringLike') return wanted.some((pattern) => stringLike(pattern, sessionName));
    return false;
  }
  if (key === 'aws:PrincipalOrgID' && operator === 'StringEquals') return wanted.includes(SANDBOX_ORG_ID);
  if (key === 'aws:PrincipalAccount' && operator === 'StringEquals') return wanted.includes(callerAccount);
  return false;
}

export class SandboxOrganization {
  /** Every AssumeRole asked, in order. */
  readonly sessions: SandboxSession[] = [];
  private readonly byId = new Map<string, SandboxAccount>();
  private readonly names = new Map<string, string>();
  // Access key id -> account id: what an assumed session's clients act in.
  private readonly issued = new Map<string, string>();
  private nextKey = 1;

  constructor(
    readonly hub: SandboxAccount,
    members: Record<string, SandboxAccount> = {},
    hubName = 'hub',
    private readonly options: {
      onChange?: (account: SandboxAccount) => void;
      /** Called after each AssumeRole is recorded (local mode persists the sessions). */
      onSession?: (session: SandboxSession) => void;
    } = {},
  ) {
    this.byId.set(hub.accountId, hub);
    this.names.set(hub.accountId, hubName);
    for (const [name, account] of Object.entries(members)) {
      this.byId.set(account.accountId, account);
      this.names.set(account.accountId, name);
    }
  }

  /** The accounts by name, hub first. */
  accounts(): Array<{ name: string; account: SandboxAccount }> {
    return [...this.byId.values()].map((account) => ({
      name: this.names.get(account.accountId) ?? account.accountId,
      account,
    }));
  }

  /** The account of this id, if the organization has it. */
  account(accountId: string): SandboxAccount | undefined {
    return this.byId.get(accountId);
  }

  /** The session names assumed (allowed ones), in order. */
  sessionNames(accountId?: string): string[] {
    return this.sessions
      .filter((session) => session.allowed && (accountId === undefined || session.accountId === accountId))
      .map((session) => session.sessionName);
  }

  /** STS as the hub role `callerArn` (a hub function's own role). */
  stsClient(callerArn: string): STSClient {
    const client = new STSClient({
      region: this.hub.region,
      credentials: { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
    });
    installSandbox(
      client,
      {
        AssumeRoleCommand: handle((input: AssumeRoleCommandInput) => this.assumeRole(callerArn, input)),
      },
      this.hub,
    );
    return client;
  }

  /**
   * Clients for the account the credentials belong to: none, the hub's own; assumed ones, the member
   * account that issued them. Credentials the organization never issued are refused, as AWS would.
   */
  clientsFor(credentials: AwsCredentialIdentity | undefined): SandboxClients {
    const accountId = credentials ? this.issued.get(credentials.accessKeyId) : this.hub.accountId;
    const account = accountId === undefined ? undefined : this.byId.get(accountId);
    if (!account)
      throw stsError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
    const config = {
      region: account.region,
      credentials: credentials ?? { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
    };
    const clients: SandboxClients = {
      iam: new IAMClient(config),
      kms: new KMSClient(config),
      codebuild: new CodeBuildClient(config),
    };
    const install: InstallOptions = this.options.onChange ? { onChange: this.options.onChange } : {};
    installSandbox(clients.iam, iamHandlers, account, install);
    installSandbox(clients.kms, kmsHandlers, account, install);
    installSandbox(clients.codebuild, codebuildHandlers, account, install);
    return clients;
  }

  private assumeRole(callerArn: string, input: AssumeRoleCommandInput): object {
    const sessionName = input.RoleSessionName ?? '';
    if (!SESSION_NAME.test(sessionName)) {
      throw stsError(
        'ValidationError',
        400,
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    const match = ROLE_ARN.exec(input.RoleArn ?? '');
    const accountId = match?.[2] ?? '';
    const record = (allowed: boolean): void => {
      const session: SandboxSession = {
        accountId,
        roleArn: input.RoleArn ?? '',
        sessionName,
        caller: callerArn,
        allowed,
        at: this.hub.now(),
      };
      this.sessions.push(session);
      this.options.onSession?.(session);
    };
    const denied = (): never => {
      record(false);
      throw stsError(
        'AccessDenied',
        403,
        `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
      );
    };
    const account = this.byId.get(accountId);
    const role = account?.findRole(match?.[4] ?? '');
    if (!account || !role || role.arn !== input.RoleArn) return denied();
    if (!this.trustAllows(role.assumeRolePolicyDocument, { callerArn, sessionName })) return denied();
    record(true);
    const accessKeyId = `ASIASANDBOX${String(this.nextKey++).padStart(9, '0')}`;
    this.issued.set(accessKeyId, accountId);
    const expiration = new Date(Date.parse(this.hub.now()) + (input.DurationSeconds ?? 3600) * 1000);
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: 'SANDBOX-SECRET',
        SessionToken: `sandbox-session-${accessKeyId}`,
        Expiration: expiration,
      },
      AssumedRoleUser: {
        AssumedRoleId: `${role.id}:${sessionName}`,
        Arn: `arn:${account.partition}:sts::${accountId}:assumed-role/${role.name}/${sessionName}`,
      },
    };
  }

  // The trust's Allow statements for sts:AssumeRole by the caller's account or role, with the condition
  // keys a member stack uses; any other condition key makes the statement not match (fail closed).
  private trustAllows(documentText: string, request: AssumeRoleContext): boolean {
    const { callerArn } = request;
    let document: { Statement?: Statement | Statement[] };
    try {
      document = JSON.parse(decodeURIComponent(documentText)) as typeof document;
    } catch {
      document = JSON.parse(documentText) as typeof document;
    }
    const callerAccount = callerArn.split(':')[4] ?? '';
    const partition = callerArn.split(':')[1] ?? 'aws';
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement ?? {}];
    return statements.some((statement) => {
      if (statement.Effect !== 'Allow') return false;
      if (!list(statement.Action).some((action) => action === 'sts:AssumeRole' || action === 'sts:*'))
        return false;
      const principals = typeof statement.Principal === 'object' ? list(statement.Principal.AWS) : [];
      const principalOk = principals.some(
        (principal) =>
          principal === callerArn ||
          principal === callerAccount ||
          principal === `arn:${partition}:iam::${callerAccount}:root`,
      );
      if (!principalOk) return false;
      return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) => conditionMet(operator, key, list(values), request)),
      );
    });
  }
}

import { BotError, PlanRefusedError, UsageError } from './errors';
import { type AccountContext, accountContextFor, BOT_ROLE_PATH, type BotRoleArns } from './plans/account';
import type { CodeBuildPort, IamPort, KmsPort } from './ports';
import { partitionForRegion } from './seed-policies';

/**
 * The AWS accounts the bot works in, by name: the hub (the account it is deployed in) and the member
 * accounts of ACCOUNTS. Pure data and lookups; src/aws/account-access.ts turns an account into clients.
 */

/** An account by name, as a request carries it. `region` only for kms requests (keys are regional). */
export interface TargetAccount {
  name: string;
  id: string;
  region?: string;
}

/** The configured accounts: ACCOUNTS, DEFAULT_ACCOUNT and HUB_ACCOUNT_NAME. */
export interface AccountDirectory {
  /** The hub's name (HUB_ACCOUNT_NAME, default `hub`). */
  hubName: string;
  /** The hub's id (AWS_ACCOUNT_ID); unset only where no command needs an account. */
  hubId?: string;
  /** Member name -> 12-digit id, in the order ACCOUNTS lists them. */
  members: Record<string, string>;
  /** The account a command without `in <account>` works in. */
  defaultName: string;
}

/** An account name as ACCOUNTS and `in <account>` spell it. */
export const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The hub functions that act in a target account, each through its own member role there (the scheduled
 * refreshUserIndex only lists users and their tags, to keep each account's IAM user index).
 */
export type AccountFunction = 'slack' | 'plan' | 'apply' | 'rollback' | 'verify' | 'refreshUserIndex';

/** The session name refreshUserIndex assumes its member role with (no request or person is involved). */
export const INDEX_REFRESH_SESSION = 'index-refresh';

/** The names of every configured account, hub first. */
export const accountNames = (directory: AccountDirectory): string[] => [
  directory.hubName,
  ...Object.keys(directory.members),
];

/**
 * The id of member account `name`, if configured. Own keys only: `in constructor` must be an unknown
 * account, not Object.prototype.constructor.
 */
export const memberId = (directory: AccountDirectory, name: string): string | undefined =>
  Object.hasOwn(directory.members, name) ? directory.members[name] : undefined;

/** True when the account is the hub itself (its functions use their own credentials there). */
export const isHub = (directory: AccountDirectory, account: Pick<TargetAccount, 'name'>): boolean =>
  account.name === directory.hubName;

/** A command named an account that is not configured; the message lists the ones that are. */
export class UnknownAccountError extends UsageError {}

/** The account of `name` (the default when absent), or an UnknownAccountError listing the names. */
export function resolveAccount(directory: AccountDirectory, name?: string): TargetAccount {
  const wanted = (name ?? directory.defaultName).toLowerCase();
  if (wanted === directory.hubName) {
    if (directory.hubId === undefined) {
      throw new UsageError(
        'The bot does not know its own AWS account id (set AWS_ACCOUNT_ID); nothing was requested.',
      );
    }
    return { name: wanted, id: directory.hubId };
  }
  const id = memberId(directory, wanted);
  if (id === undefined) {
    const names = accountNames(directory)
      .map((known) => `\`${known}\``)
      .join(', ');
    throw new UnknownAccountError(
      `I don't know the account \`${name ?? wanted}\`. The accounts configured are ${names}; ` +
        'an administrator adds one to ACCOUNTS (docs/deploy.md).',
    );
  }
  return { name: wanted, id };
}

/**
 * The account a command works in, as its request records it: undefined when no member account is
 * configured and the command named none (a single-account bot shows no account), else the named account
 * (the default when absent) with the command's region. Throws as resolveAccount does (an unknown
 * account, or the hub's id unknown).
 */
export function accountOfCommand(
  directory: AccountDirectory,
  command: { account?: string; region?: string },
): TargetAccount | undefined {
  const resolved = resolveAccount(directory, command.account);
  const singleAccount = Object.keys(directory.members).length === 0;
  if (singleAccount && command.account === undefined) return undefined;
  return command.region === undefined ? resolved : { ...resolved, region: command.region };
}

/** The role the hub function `fn` assumes in a member account (deploy/member-account.yml creates it). */
export const memberRoleName = (stage: string, fn: AccountFunction): string =>
  `codebuild-access-${stage}-member-${fn}`;

/**
 * Member roles have no path (deploy/member-account.yml; the hub roles' sts:AssumeRole names
 * `role/codebuild-access-<stage>-member-<fn>`); the hub's own roles live under /codebuild-access/.
 */
export const MEMBER_ROLE_PATH = '/';

/** The ARN of the member role of `fn` in a member account. */
export const memberRoleArn = (
  partition: string,
  accountId: string,
  stage: string,
  fn: AccountFunction,
): string => `arn:${partition}:iam::${accountId}:role${MEMBER_ROLE_PATH}${memberRoleName(stage, fn)}`;

/** The ARN of the hub function's own role (serverless.yml names it; the member role trusts exactly it). */
export const hubRoleArn = (partition: string, hubId: string, stage: string, fn: AccountFunction): string =>
  `arn:${partition}:iam::${hubId}:role${BOT_ROLE_PATH}codebuild-access-${stage}-${fn}`;

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The role session name CloudTrail in the member account shows: `<requestId>-<fn>` for a workflow
 * task, `slack-<SlackUserId>` on the Slack path before a request exists.
 */
export function roleSessionName(
  key: { requestId: string; fn: AccountFunction } | { slackUserId: string },
): string {
  const name = 'requestId' in key ? `${key.requestId}-${key.fn}` : `slack-${key.slackUserId}`;
  if (!SESSION_NAME.test(name)) throw new RangeError(`Not a valid role session name: ${name}`);
  return name;
}

/**
 * The `sts:RoleSessionName` (StringLike) a member role's trust requires of its hub function: the names
 * roleSessionName and INDEX_REFRESH_SESSION give that function, so CloudTrail in the member account
 * always shows `<REQ>-<fn>`, `slack-<U…>` or `index-refresh`. scripts/member-template.js writes the same
 * patterns; test/security/escalation.test.ts checks the two agree and that each real name is admitted.
 */
export const memberSessionNamePattern = (fn: AccountFunction): string => {
  if (fn === 'slack') return 'slack-*';
  if (fn === 'refreshUserIndex') return INDEX_REFRESH_SESSION;
  return `REQ-*-${fn}`;
};

/**
 * The hub could not assume its member role in a target account: the member stack is missing there, or
 * its trust does not name this hub. Nothing was changed.
 */
export class AccountAccessDeniedError extends BotError {
  override readonly name = 'AccountAccessDenied';
}

/** The message a refused AssumeRole gives the requester: the account and what to deploy there. */
export const accountAccessDeniedMessage = (account: TargetAccount, roleName: string): string =>
  `I could not act in account \`${account.name}\` (${account.id}): it refused the bot's role \`${roleName}\`. ` +
  'Deploy the member stack `deploy/member-account.yml` to that account (or fix its hub account and stage ' +
  'parameters); docs/deploy.md shows how. Nothing was changed.';

/** The ports that act in one account. */
export interface AccountPorts {
  iam: IamPort;
  kms?: KmsPort;
  codebuild?: CodeBuildPort;
}

/**
 * The one way to act in an account (src/aws/account-access.ts): in the hub, the function's own
 * credentials; in a member account, the member role of `fn` assumed with `sessionName`.
 */
export interface AccountAccess {
  directory: AccountDirectory;
  /** The ARNs and setup options of an account (its stack policies, the roles the bot acts with there). */
  context(account: TargetAccount): AccountContext;
  /** Ports acting in `account` as the hub function `fn`; an AccountAccessDeniedError when refused. */
  ports(account: TargetAccount, fn: AccountFunction, sessionName: string): Promise<AccountPorts>;
}

/**
 * The account a recorded request works in, taken the way a task takes everything: the name from the
 * request's command, the id from this function's own config. A record whose stored account id differs
 * (forged, or config changed under it) is refused. Records from before accounts name none: the hub.
 */
export function accountOfRequest(
  directory: AccountDirectory,
  request: { requestId: string; command: { account?: string; region?: string }; account?: TargetAccount },
): TargetAccount {
  const name = request.command.account ?? request.account?.name ?? directory.hubName;
  let account: TargetAccount;
  try {
    account = resolveAccount(directory, name);
  } catch (error) {
    throw new PlanRefusedError(
      `I refused to act on request ${request.requestId}: its account \`${name}\` is not configured. Nothing was changed.`,
      { cause: error },
    );
  }
  if (
    request.account !== undefined &&
    (request.account.id !== account.id || request.account.name !== account.name)
  ) {
    throw new PlanRefusedError(
      `I refused to act on request ${request.requestId}: it names account ${request.account.name} ` +
        `(${request.account.id}), and this bot knows \`${account.name}\` as ${account.id}. Nothing was changed.`,
    );
  }
  const region = request.command.region;
  return region === undefined ? account : { ...account, region };
}

/** What the ARNs of an account follow from: the directory and the setup options of config. */
export interface AccountSetup {
  directory: AccountDirectory;
  /** The hub's own region (AWS_REGION): every account is worked in it unless a kms request names another. */
  region: string;
  stage: string;
  kmsKeyArns?: string[];
  permissionsBoundaryArn?: string;
}

/**
 * The ARNs and setup options of an account (its stack policies, the roles the bot acts with there). In a
 * member account the bot acts through its member roles, so a key it creates there names those.
 */
export function accountContextIn(setup: AccountSetup, account: TargetAccount): AccountContext {
  const region = account.region ?? setup.region;
  const { partition } = partitionForRegion(region);
  const hub = isHub(setup.directory, account);
  const base = accountContextFor({
    accountId: account.id,
    region,
    partition,
    stage: setup.stage,
    ...(setup.kmsKeyArns ? { kmsKeyArns: setup.kmsKeyArns } : {}),
    // The operator's boundary is an ARN of the hub; a member account has the stack's own.
    ...(setup.permissionsBoundaryArn && hub ? { permissionsBoundaryArn: setup.permissionsBoundaryArn } : {}),
  });
  if (hub) return base;
  const fnRole = (fn: AccountFunction): string => memberRoleArn(partition, account.id, setup.stage, fn);
  const botRoles: BotRoleArns = {
    plan: fnRole('plan'),
    apply: fnRole('apply'),
    rollback: fnRole('rollback'),
    verify: fnRole('verify'),
  };
  return { ...base, botRoles };
}

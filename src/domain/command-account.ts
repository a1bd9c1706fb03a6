import {
  type AccountAccess,
  type AccountFunction,
  accountOfCommand,
  isHub,
  roleSessionName,
  type TargetAccount,
} from './accounts';
import type { AccountContext } from './plans';
import type { CodeBuildPort, IamPort } from './ports';

/** What the Slack path reads in an account: IAM (targets, identities), its ARNs, CodeBuild (verify). */
export interface AccountScopedDeps {
  iam: IamPort;
  account?: Partial<AccountContext>;
  codebuild?: CodeBuildPort;
  /** The configured accounts and how to act in them; absent, the hub only. */
  accounts?: AccountAccess;
  /** The IAM user index (IAM_USER_MAPPING=tag): kept per account, so it follows the account read. */
  userIndex?: { accountId: string };
}

/** The index keyed by the account whose IAM answers, so prod's users are never indexed as the hub's. */
const indexIn = <D extends AccountScopedDeps>(deps: D, accountId: string): Partial<D> =>
  deps.userIndex ? ({ userIndex: { ...deps.userIndex, accountId } } as Partial<D>) : {};

/**
 * The account a command typed in Slack names (`in <account>`, else the default) and the deps that read
 * in it: the slack function's own in the hub, its member role (session `slack-<UserId>`) elsewhere.
 * `account` is undefined when no member account is configured and the command named none, so a
 * single-account bot records and shows nothing new.
 */
export async function commandAccount<D extends AccountScopedDeps>(
  deps: D,
  command: { account?: string; region?: string },
  slackUserId: string,
  fn: AccountFunction = 'slack',
): Promise<{ deps: D; account?: TargetAccount }> {
  const access = deps.accounts;
  if (!access) return { deps };
  const account = accountOfCommand(access.directory, command);
  if (account === undefined) return { deps };
  if (isHub(access.directory, account) && account.region === undefined) {
    return { deps: { ...deps, ...indexIn(deps, account.id), account: access.context(account) }, account };
  }
  const ports = await access.ports(account, fn, roleSessionName({ slackUserId }));
  return {
    deps: {
      ...deps,
      ...indexIn(deps, account.id),
      iam: ports.iam,
      account: access.context(account),
      ...(ports.codebuild ? { codebuild: ports.codebuild } : {}),
    },
    account,
  };
}

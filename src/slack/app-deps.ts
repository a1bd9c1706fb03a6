import type { WebClient } from '@slack/web-api';
import type { Config } from '../config';
import { accountContext, ConfigError } from '../config';
import { type AccountAccess, accountOfRequest, isHub, roleSessionName } from '../domain/accounts';
import type { IdentityDeps } from '../domain/decide-request';
import { isTaggedFor, UNNAMED_ACCOUNT, type UserIndexStore } from '../domain/iam-user-index';
import type {
  Clock,
  CodeBuildPort,
  IamPort,
  Log,
  PendingRequestFinder,
  RequestLister,
  RequestStore,
  WorkflowPort,
} from '../domain/ports';
import { cachedIamReads } from '../domain/read-cache';
import type { AccessRequest } from '../domain/request';
import { clickerIdentity, type ResolveDeps } from '../domain/resolve-target';
import type { SlackAppDeps } from './app';
import { slackWording } from './blocks/wording';
import { approverLister, homeTabDeps, homeTabs, slackDirectories } from './home-tabs';
import { SlackWebApi } from './web-api';

export interface SlackAppPorts {
  iam: IamPort;
  store: RequestStore;
  workflow?: WorkflowPort;
  /** `verify`'s ListBuilds with the bot's own credentials. */
  codebuildPort?: CodeBuildPort;
  /** IAM_USER_MAPPING=tag: the Slack id -> IAM user index (in the requests table). */
  userIndex?: UserIndexStore;
  /** The accounts of ACCOUNTS and how to act in them (`in <account>`); absent, the hub only. */
  accounts?: AccountAccess;
}

// The DynamoDB store also finds pending requests by target (byTarget index); fakes may not.
const pendingFinder = (store: RequestStore): PendingRequestFinder | undefined =>
  typeof (store as Partial<PendingRequestFinder>).pendingFor === 'function'
    ? (store as RequestStore & PendingRequestFinder)
    : undefined;

// The DynamoDB store also lists requests by status (byStatus index), for the Home tab; fakes may not.
const requestLister = (store: RequestStore): RequestLister | undefined =>
  typeof (store as Partial<RequestLister>).listByStatus === 'function'
    ? (store as RequestStore & RequestLister)
    : undefined;

/**
 * The one place the Bolt app's dependencies are built from config, for every receiver (Lambda,
 * Socket Mode, the local workspace), so no entry point can forget a rule such as the approver group.
 */
export function slackAppDeps(
  config: Config,
  ports: SlackAppPorts,
  client: WebClient,
  log: Log,
  clock: Clock,
): SlackAppDeps {
  if (!ports.workflow) throw new ConfigError('Invalid configuration: set STATE_MACHINE_ARN');
  const slack = new SlackWebApi(client);
  const account = accountContext(config);
  const pending = pendingFinder(ports.store);
  const lister = requestLister(ports.store);
  const approverIds = approverLister(config, slack, log);
  // One instance of each lookup (and its cache) for the listeners and the Home tabs alike.
  const directories = slackDirectories(config, slack, clock, log);
  // One warm instance answers many clicks: names, ARNs and group members are kept SLACK_CACHE_SECONDS.
  const iam = cachedIamReads(ports.iam, clock, config.slackCacheSeconds);
  const resolveIn = (reads: IamPort, accountId: string): ResolveDeps => ({
    ...resolve,
    iam: reads,
    ...(resolve.userIndex ? { userIndex: { ...resolve.userIndex, accountId } } : {}),
  });
  const lookupsOver = (reads: IamPort, resolveDeps: ResolveDeps): IdentityDeps => ({
    identity: clickerIdentity(resolveDeps),
    ...(config.iamUserMapping === 'tag'
      ? { ownsIamUser: (slackUserId: string, userName: string) => isTaggedFor(reads, userName, slackUserId) }
      : {}),
    iam: reads,
  });
  // A member account's IAM reads are cached per assumed session's port, as the hub's are.
  const memberReads = new WeakMap<IamPort, IamPort>();
  const accounts = ports.accounts;
  /**
   * The self-approval lookups in the request's account: the hub's own, or prod's through the slack
   * function's member role there (session `slack-<clicker>`), with the index kept under prod's id.
   * A request whose account is not configured, or whose role is refused, throws: the click is refused.
   */
  const identityIn = async (request: AccessRequest, clickerId: string): Promise<IdentityDeps> => {
    if (!accounts) return hubLookups;
    const account = accountOfRequest(accounts.directory, request);
    if (isHub(accounts.directory, account)) return hubLookups;
    const member = await accounts.ports(account, 'slack', roleSessionName({ slackUserId: clickerId }));
    let reads = memberReads.get(member.iam);
    if (!reads) {
      reads = cachedIamReads(member.iam, clock, config.slackCacheSeconds);
      memberReads.set(member.iam, reads);
    }
    return lookupsOver(reads, resolveIn(reads, account.id));
  };
  const resolve: ResolveDeps = {
    iam,
    slack,
    iamUserMapping: config.iamUserMapping,
    iamUserEmailDomains: config.iamUserEmailDomains,
    wording: slackWording,
    ...(ports.userIndex
      ? {
          userIndex: {
            store: ports.userIndex,
            accountId: config.accountId ?? UNNAMED_ACCOUNT,
            rescanCooldownSeconds: config.iamUserIndexRescanSeconds,
            clock,
            log,
          },
        }
      : {}),
  };
  const hubLookups = lookupsOver(iam, resolve);
  return {
    ...(lister
      ? { homeTabs: homeTabs(homeTabDeps(config, lister, slack, log, directories, approverIds)) }
      : {}),
    ...resolve,
    store: ports.store,
    workflow: ports.workflow,
    log,
    clock,
    auditChannelId: config.auditChannelId,
    ...(account ? { account } : {}),
    ...(ports.codebuildPort ? { codebuild: ports.codebuildPort } : {}),
    ...(ports.accounts ? { accounts: ports.accounts } : {}),
    ...(pending ? { pending } : {}),
    approvalTimeoutSeconds: config.approvalTimeoutSeconds,
    maxGrantDurationSeconds: config.maxGrantDurationSeconds,
    identity: hubLookups.identity,
    ...(hubLookups.ownsIamUser ? { ownsIamUser: hubLookups.ownsIamUser } : {}),
    identityIn,
    rules: config.accessRules,
    groups: directories.groups,
    approvers: directories.approvers,
    ...(config.slackTeamId ? { expectedTeamId: config.slackTeamId } : {}),
    ...(config.slackAppId ? { expectedAppId: config.slackAppId } : {}),
  };
}

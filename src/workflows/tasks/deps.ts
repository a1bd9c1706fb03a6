import type { AccessRules } from '../../domain/access-rules';
import type { AccountAccess, TargetAccount } from '../../domain/accounts';
import type { AuditDeps } from '../../domain/audit-trail';
import { ConfigMissingError, UnknownRequestError } from '../../domain/errors';
import type { AccountContext } from '../../domain/plans';
import type { ActiveGrantFinder, HomeTabs, IamPort, KmsPort } from '../../domain/ports';
import type { AccessRequest } from '../../domain/request';

/** What the workflow tasks need; src/handlers wires the live versions, tests wire fakes. */
export interface TaskDeps extends AuditDeps {
  iam: IamPort;
  auditChannelId: string;
  /** GRANT_REMINDER_SECONDS: how long before a time-bound grant ends its requester is reminded. */
  grantReminderSeconds: number;
  /** MAX_GRANT_DURATION_SECONDS: the longest grant of a tier whose rule names none (extensions included). */
  maxGrantDurationSeconds?: number;
  /** KMS, for the tasks whose role allows it (plan, apply, rollback, verify); see requireKms. */
  kms?: KmsPort;
  /** Finds the time-bound grants a revoke ends early (the report task only). */
  grants?: ActiveGrantFinder;
  /** Everyone who may approve (APPROVER_USER_IDS and the group), for DMs; absent, no approver DMs. */
  approverIds?: () => Promise<string[]>;
  /** Republishes the Home tabs a request shows in (askApproval and report); absent, none. */
  homeTabs?: HomeTabs;
  /** Account id, region and setup options; service-role and kms requests need them. See requireAccount. */
  account?: AccountContext;
  /** The rules per tier (access-rules.yml): approval counts, auto-approve, break-glass. Absent: defaults. */
  rules?: AccessRules;
  /** The accounts of ACCOUNTS and how to act in them; absent, the hub only. See inRequestAccount. */
  accounts?: AccountAccess;
  /** The account this run works in, when member accounts are configured (set by inRequestAccount). */
  targetAccount?: TargetAccount;
}

/** The KMS port, or a named error saying the task was wired without one. */
export function requireKms(deps: Pick<TaskDeps, 'kms'>): KmsPort {
  if (!deps.kms) throw new ConfigMissingError('This task has no KMS access configured; nothing was changed.');
  return deps.kms;
}

/** The account context, or a named error naming the variables to set. */
export function requireAccount(deps: Pick<TaskDeps, 'account'>): AccountContext {
  if (!deps.account) {
    throw new ConfigMissingError(
      'The bot does not know its AWS account and region (set AWS_ACCOUNT_ID and AWS_REGION); nothing was changed.',
    );
  }
  return deps.account;
}

/** Loads a request or fails with a named error (a run whose record vanished cannot go on). */
export async function loadRequest(deps: Pick<TaskDeps, 'store'>, requestId: string): Promise<AccessRequest> {
  const request = await deps.store.get(requestId);
  if (!request) {
    throw new UnknownRequestError(`Request ${requestId} has no record; nothing was changed.`);
  }
  return request;
}

import { type AccountFunction, accountOfRequest, isHub, roleSessionName } from '../../domain/accounts';
import { loadRequest, type TaskDeps } from './deps';

/**
 * The deps of a task that acts in AWS (plan, apply, rollback, verify), pointed at the request's account:
 * the name from the request's command, the id from this function's own config (accountOfRequest), and
 * in a member account the IAM and KMS ports of this function's member role, assumed with the session
 * name `<requestId>-<fn>` so CloudTrail there shows the request. With no member accounts configured,
 * the deps are returned as they are.
 */
export async function inRequestAccount(
  deps: TaskDeps,
  requestId: string,
  fn: AccountFunction,
): Promise<TaskDeps> {
  const access = deps.accounts;
  if (!access || Object.keys(access.directory.members).length === 0) return deps;
  const request = await loadRequest(deps, requestId);
  const account = accountOfRequest(access.directory, request);
  const scoped: TaskDeps = { ...deps, account: access.context(account), targetAccount: account };
  if (isHub(access.directory, account) && account.region === undefined) return scoped;
  const ports = await access.ports(account, fn, roleSessionName({ requestId, fn }));
  return { ...scoped, iam: ports.iam, ...(ports.kms && deps.kms ? { kms: ports.kms } : {}) };
}

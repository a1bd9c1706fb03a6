/**
 * The bot's records for one target, read through the table's byTarget index: what revoke and expiry
 * decide from (src/domain/grant-ledger.ts says what counts as evidence).
 */
import type { AccessRequest } from '../../domain/request';
import type { TaskDeps } from './deps';

/** The other requests recorded for a target, in full (the index projects only a summary). */
export async function otherRequestsFor(deps: TaskDeps, request: AccessRequest): Promise<AccessRequest[]> {
  if (!deps.grants) return [];
  const summaries = await deps.grants.requestsFor(request.targetArn ?? request.target.arn);
  const others: AccessRequest[] = [];
  for (const summary of summaries) {
    if (summary.requestId === request.requestId) continue;
    if (summary.command.action !== 'grant' && summary.command.action !== 'revoke') continue;
    const full = await deps.store.get(summary.requestId);
    if (full) others.push(full);
  }
  return others;
}

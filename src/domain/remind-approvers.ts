import type { AccountDirectory } from './accounts';
import { sendDirect } from './direct-messages';
import { withAccount } from './home';
import type { Clock, Log, ReminderMarker, RequestLister, SlackPort, Wording } from './ports';
import type { RequestDigest } from './request';

export interface RemindDeps {
  requests: RequestLister & ReminderMarker;
  slack: SlackPort;
  wording: Wording;
  log: Log;
  clock: Clock;
  /** Everyone who may approve (APPROVER_USER_IDS and the group). */
  approverIds: () => Promise<string[]>;
  /** APPROVER_REMINDER_SECONDS: how long a request waits before its approvers are reminded. */
  reminderSeconds: number;
  /** The configured accounts, so a reminder names the account as the card does (the index omits it). */
  accounts?: AccountDirectory;
}

/** The most requests one scheduled run reminds about; the next run (15 minutes later) takes the rest. */
export const MAX_REMINDERS_PER_RUN = 50;

/** Who a reminder goes to: approvers other than the requester who have not approved it yet. */
export const approversToRemind = (request: RequestDigest, approvers: readonly string[]): string[] =>
  approvers.filter(
    (id) => id !== request.requester.userId && !request.approvals.some((approval) => approval.userId === id),
  );

/**
 * The scheduled approver reminder: each request still waiting for approval after `reminderSeconds`
 * gets one reminder DM per approver. The reminder is recorded first (approversRemindedAt, a conditional
 * write), so two overlapping runs never remind twice; it needs no workflow permission at all.
 */
export async function remindApprovers(deps: RemindDeps): Promise<{ reminded: string[] }> {
  const threshold = new Date(deps.clock.now().getTime() - deps.reminderSeconds * 1000).toISOString();
  const waiting = await deps.requests.listByStatus('awaiting_approval', {
    createdBefore: threshold,
    limit: 200,
  });
  const due = waiting
    .filter((request) => request.approversRemindedAt === undefined)
    .slice(0, MAX_REMINDERS_PER_RUN);
  if (due.length === 0) return { reminded: [] };
  const approvers = await deps.approverIds();
  const reminded: string[] = [];
  for (const digest of due) {
    const request = withAccount(deps.accounts, digest);
    if (!(await deps.requests.markApproversReminded(request.requestId, deps.clock.now().toISOString())))
      continue;
    reminded.push(request.requestId);
    let link: string | undefined;
    if (request.card) {
      try {
        link = await deps.slack.permalink(request.card.channel, request.card.ts);
      } catch (error) {
        deps.log.warn('could not link to the approval card; reminding without the link', {
          requestId: request.requestId,
          error,
        });
      }
    }
    for (const approver of approversToRemind(request, approvers)) {
      await sendDirect(deps, request, approver, {
        kind: 'approval_reminder',
        request,
        ...(link ? { permalink: link } : {}),
      });
    }
    deps.log.info('reminded the approvers', { requestId: request.requestId });
  }
  return { reminded };
}

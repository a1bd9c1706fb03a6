import type * as z from 'zod';
import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { DEFAULTS } from '../../domain/defaults';
import { sendDirect } from '../../domain/direct-messages';
import { judgeExtension } from '../../domain/extend-grant';
import {
  extensionStepId,
  extensionsOf,
  grantWindow,
  type HeldWindow,
  heldFrom,
  journalMarker,
  reminderLeadFor,
  totalGrantSeconds,
  windowEndingAt,
} from '../../domain/grant-ledger';
import { type AccessRequest, REQUEST_ID_PATTERN, savableBy } from '../../domain/request';
import { noChange, updateRequest } from '../../domain/update-request';
import type { CheckExtensionInput } from '../state';
import { loadRequest, type TaskDeps } from './deps';

/**
 * "Check the extension" (the apply function, whose role alone writes the journal): the grant's hold was
 * given `{ extension }` by the slack function, which is not trusted. The end moves only when the
 * extension record passes judgeExtension; it moves from the end in the run's own state, and the marker
 * it journals is what every later window counts. Whatever it decides, it returns the window with the
 * holds' timeouts counted again from now, so going back to the hold never restarts the time left.
 */
export async function checkExtension(
  deps: TaskDeps,
  input: z.infer<typeof CheckExtensionInput>,
): Promise<HeldWindow & { extendedBy: string | null }> {
  const grant = await loadRequest(deps, input.requestId);
  const now = deps.clock.now();
  const current = input.timeBound.expiresAt;
  const unchanged = {
    ...heldFrom(
      windowEndingAt(
        Date.parse(current),
        reminderLeadFor(deps.grantReminderSeconds, totalGrantSeconds(grant)),
      ),
      now,
    ),
    extendedBy: null,
  };
  const extensionId =
    typeof input.extension === 'string' && REQUEST_ID_PATTERN.test(input.extension)
      ? input.extension
      : undefined;
  if (extensionId === undefined) {
    deps.log.warn('the hold was given something that is not an extension id; the end stays', {
      extension: String(input.extension).slice(0, 40),
    });
    return unchanged;
  }
  // A retry after the marker was journaled: the run's state still has the end before it.
  const counted = extensionsOf(grant).find((step) => step.requestId === extensionId);
  if (counted && Date.parse(counted.expiresAt) > Date.parse(current)) {
    return moved(deps, counted.expiresAt, totalGrantSeconds(grant), extensionId, now);
  }
  const extension = await deps.store.get(extensionId);
  const verdict = judgeExtension(
    grant,
    extension,
    deps.rules,
    deps.maxGrantDurationSeconds ?? DEFAULTS.maxGrantDurationSeconds,
  );
  if (!verdict.accept) {
    deps.log.warn('extension not accepted; the end stays', { extensionId, why: verdict.why.kind });
    await recordEvent(
      deps,
      grant,
      auditEvent(
        deps.clock,
        'extension_refused',
        deps.wording.say({
          kind: 'extension_ignored',
          grantId: grant.requestId,
          extensionId,
          why: verdict.why,
          expiresAt: current,
        }),
      ),
    );
    return unchanged;
  }
  const expiresAt = new Date(Date.parse(current) + verdict.seconds * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
  await deps.store.appendCompletedStep(grant.requestId, {
    ...journalMarker(extensionStepId(extensionId), `extended by ${verdict.seconds} s (${extensionId})`, now),
    extension: { requestId: extensionId, seconds: verdict.seconds, expiresAt },
  });
  return moved(deps, expiresAt, totalGrantSeconds(grant) + verdict.seconds, extensionId, now);
}

const moved = (
  deps: TaskDeps,
  expiresAt: string,
  grantSeconds: number,
  extensionId: string,
  now: Date,
): HeldWindow & { extendedBy: string } => ({
  ...heldFrom(
    windowEndingAt(Date.parse(expiresAt), reminderLeadFor(deps.grantReminderSeconds, grantSeconds)),
    now,
  ),
  extendedBy: extensionId,
});

/**
 * "Report the extension": when the check journaled the extension, the grant's record shows its new end
 * (the Home tab, the card), its thread and the people who asked say "extended until …", and the
 * extension's own record is closed as completed. Nothing when the check did not accept it (it said so).
 */
export async function reportExtension(
  deps: TaskDeps,
  grant: AccessRequest,
  extensionId: unknown,
): Promise<{ status: AccessRequest['status'] }> {
  const counted = extensionsOf(grant).find((step) => step.requestId === extensionId);
  const extension = counted && (await deps.store.get(counted.requestId));
  if (!counted || !extension) return { status: grant.status };
  const end = grantWindow(grant, deps.grantReminderSeconds)?.expiresAt ?? counted.expiresAt;
  const updated = await updateRequest(deps.store, grant.requestId, savableBy('report'), (fresh) =>
    fresh.accessExpiresAt === end ? noChange('the end is already shown') : { ...fresh, accessExpiresAt: end },
  );
  const said = deps.wording.say({
    kind: 'extended',
    grantId: grant.requestId,
    extensionId: extension.requestId,
    seconds: counted.seconds,
    expiresAt: end,
    by: extension.decision?.by ?? [],
  });
  // Once per extension: a retried report finds its event and only refreshes the views.
  if (!grant.events.some((event) => event.type === 'extended' && event.text === said)) {
    await recordEvent(deps, updated.request, auditEvent(deps.clock, 'extended', said));
    for (const userId of new Set([grant.requester.userId, extension.requester.userId])) {
      await sendDirect(deps, grant, userId, { kind: 'update', requestId: grant.requestId, said });
    }
  }
  const closed = await updateRequest(deps.store, extension.requestId, savableBy('report'), (fresh) =>
    fresh.status === 'completed' ? noChange('already closed') : { ...fresh, status: 'completed' },
  );
  if (closed.saved) await recordEvent(deps, closed.request, auditEvent(deps.clock, 'extended', said));
  if (updated.request.card) {
    try {
      await deps.slack.update({
        channel: updated.request.card.channel,
        ts: updated.request.card.ts,
        ...deps.wording.closedCard(updated.request, { kind: 'completed', active: true }),
      });
    } catch (error) {
      deps.log.error('could not show the new end on the card', { error });
    }
  }
  await deps.homeTabs?.refreshFor(updated.request);
  return { status: updated.request.status };
}

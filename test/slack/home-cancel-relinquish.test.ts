import { ACTION_IDS } from '../../src/slack/ids';
import { viewViolations } from '../helpers/block-kit-limits';
import { ALICE, APPROVER_1, APPROVER_2, type Harness, REQUESTER, startHarness } from '../helpers/harness';
import { homeClick } from '../helpers/home-click';

// Cancel and Relinquish clicked in the App Home tab (no channel, so no ephemeral): signed block_actions
// from a home view into the slack handler, the real ASL, dynalite and the local workspace. Like Approve
// there, the clicker's tab is republished with the answer on top, and a cancelled request leaves every
// tab that listed it.

let h: Harness;
afterEach(async () => h.stop());

type View = { type: 'home'; blocks: Array<{ type: string; text?: { text: string } }> };
const viewOf = (userId: string): View | undefined => h.slack.state.homeOf(userId)?.view as View | undefined;
const homeJson = (userId: string): string => JSON.stringify(viewOf(userId)?.blocks ?? []);
/** The answer on top of a Home tab: the section right under its first header. */
const noticeOn = (userId: string): string => viewOf(userId)?.blocks[1]?.text?.text ?? '';

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pending(text: string): Promise<string> {
  await h.slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return requestId;
}

describe('Cancel from the Home tab', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  it('cancels, tells the requester on top of their tab, and takes the request off their tab and every approver’s', async () => {
    const requestId = await pending('grant user:alice developer because builds');
    await h.homeOpened(REQUESTER);
    expect(homeJson(REQUESTER)).toContain(`"value":"${requestId}"`);
    expect(homeJson(APPROVER_2)).toContain(`decide:${requestId}`);

    expect((await homeClick(h, REQUESTER, ACTION_IDS.cancel, requestId)).statusCode).toBe(200);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect((await h.store.get(requestId))?.status).toBe('cancelled');
    expect(noticeOn(REQUESTER)).toBe(`${requestId} is cancelled. Nothing will be changed.`);
    expect(homeJson(REQUESTER)).not.toContain(ACTION_IDS.cancel);
    expect(homeJson(REQUESTER)).toContain('Nothing pending.');
    for (const approver of [APPROVER_1, APPROVER_2]) {
      expect(homeJson(approver)).not.toContain(requestId);
    }
    expect(viewViolations(viewOf(REQUESTER) as View)).toEqual([]);
    // Nothing was applied.
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });

  it('a refused Cancel (not the requester) is answered on the clicker’s tab and changes nothing', async () => {
    const requestId = await pending('grant user:alice developer because builds');

    await homeClick(h, APPROVER_1, ACTION_IDS.cancel, requestId);

    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
    expect(noticeOn(APPROVER_1)).toContain(`<@${REQUESTER}>`);
    expect(noticeOn(APPROVER_1)).toContain('Nothing was changed');
    expect(homeJson(APPROVER_1)).toContain(`decide:${requestId}`);
  });

  it('a Cancel from the ephemeral answer also takes the request off the approvers’ tabs', async () => {
    const requestId = await pending('grant user:alice developer because builds');
    expect(homeJson(APPROVER_1)).toContain(`decide:${requestId}`);

    await h.click(requestId, REQUESTER, { actionId: ACTION_IDS.cancel });

    expect((await h.store.get(requestId))?.status).toBe('cancelled');
    expect(homeJson(APPROVER_1)).not.toContain(requestId);
    // Answered in the channel, so the requester's tab carries no notice.
    expect(noticeOn(REQUESTER)).not.toContain('is cancelled');
  });
});

describe('Relinquish from the Home tab', () => {
  beforeEach(async () => {
    // The holds last (a minute each) so the grant is in effect while the test acts on it.
    h = await startHarness({}, { waits: { 'Hold until the reminder': 60_000, 'Hold until expiry': 60_000 } });
    h.iam.addUser('alice');
  });

  it('answers the holder on top of their tab, and the tab no longer offers the grant once it is revoked', async () => {
    const requestId = await pending(`grant <@${ALICE}|alice> developer for 8h`);
    await h.click(requestId, APPROVER_1);
    await until('the grant to be held', async () => {
      const request = await h.store.get(requestId);
      return (
        request?.status === 'active' && request.holdToken !== undefined && h.workflow.isWaiting(requestId)
      );
    });
    await h.homeOpened(ALICE);
    expect(homeJson(ALICE)).toContain(ACTION_IDS.relinquish);

    expect((await homeClick(h, ALICE, ACTION_IDS.relinquish, requestId)).statusCode).toBe(200);
    expect(noticeOn(ALICE)).toContain(`${requestId} is relinquished`);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect((await h.store.get(requestId))?.status).toBe('relinquished');
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect(homeJson(ALICE)).not.toContain(ACTION_IDS.relinquish);
    expect(homeJson(REQUESTER)).not.toContain(requestId);
  });
});

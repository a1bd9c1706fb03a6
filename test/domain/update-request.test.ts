import { DynamoRequestStore } from '../../src/aws/request-store';
import { RequestConflictError, UnknownRequestError } from '../../src/domain/errors';
import { type AccessRequest, DECISION_FIELDS, savableBy } from '../../src/domain/request';
import { noChange, updateRequest } from '../../src/domain/update-request';
import {
  createRequestsTable,
  type DynaliteHandle,
  startDynalite,
  testDynamoClient,
} from '../helpers/dynalite';

// The one protocol for changing a request record, against the real DynamoDB-backed store on dynalite:
// its conditional UpdateItem is what decides who wins a race.

const TABLE = 'requests-update';
const ALICE_ARN = 'arn:aws:iam::111122223333:user/alice';

let dynamo: DynaliteHandle;
let store: DynamoRequestStore;
let count = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createRequestsTable(dynamo.endpoint, TABLE);
  store = new DynamoRequestStore(testDynamoClient(dynamo.endpoint), TABLE);
});

afterAll(async () => {
  await dynamo.stop();
});

/** Stores a fresh request waiting for approval, as the slack function creates it; returns its id. */
async function newRequest(): Promise<string> {
  count += 1;
  const requestId = `REQ-UPD${String(count).padStart(7, '0')}`;
  const request: AccessRequest = {
    requestId,
    version: 1,
    createdAt: '2026-11-29T10:00:00.000Z',
    requester: { userId: 'U0REQUESTER', teamId: 'T0' },
    channelId: 'C0CHAN',
    command: { action: 'grant', tier: 'admin', target: { kind: 'user', name: 'alice' } },
    target: { kind: 'user', name: 'alice', arn: ALICE_ARN },
    targetArn: ALICE_ARN,
    status: 'awaiting_approval',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    events: [],
  } as AccessRequest;
  expect(await store.create(request)).toBe('created');
  return requestId;
}

const approvalBy = (userId: string) => ({ userId, at: '2026-11-29T10:01:00.000Z', planHash: 'a'.repeat(64) });

/** A gate both racers wait at, so each has read the record before either writes. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === parties) open();
    return opened;
  };
}

describe('updateRequest on the DynamoDB-backed store', () => {
  it('writes the mutated fields, and the store (not the caller) moves the version on', async () => {
    const requestId = await newRequest();

    const result = await updateRequest(store, requestId, DECISION_FIELDS, (current) => ({
      ...current,
      // A caller that still bumps the version by hand is ignored: the store sets expected + 1.
      version: 41,
      approvals: [approvalBy('U0PRIYA')],
    }));

    expect(result).toMatchObject({
      saved: true,
      request: { version: 2, approvals: [approvalBy('U0PRIYA')] },
    });
    expect(await store.get(requestId)).toMatchObject({ version: 2, approvals: [approvalBy('U0PRIYA')] });
  });

  it('writes only the fields it is given (the IAM role of each function allows no others)', async () => {
    const requestId = await newRequest();

    await updateRequest(store, requestId, ['status'], (current) => ({
      ...current,
      status: 'failed',
      card: { channel: 'C0AUDIT', ts: '1.2' },
    }));

    const stored = await store.get(requestId);
    expect(stored).toMatchObject({ version: 2, status: 'failed' });
    expect(stored).not.toHaveProperty('card');
  });

  it('removes a field the mutation leaves undefined (the task token of an expired request)', async () => {
    const requestId = await newRequest();
    await updateRequest(store, requestId, savableBy('askApproval'), (current) => ({
      ...current,
      taskToken: 'token-1',
    }));

    await updateRequest(store, requestId, savableBy('report'), (current) => {
      const next = { ...current, status: 'expired' as const };
      delete next.taskToken;
      return next;
    });

    const stored = await store.get(requestId);
    expect(stored).toMatchObject({ version: 3, status: 'expired' });
    expect(stored).not.toHaveProperty('taskToken');
  });

  it('lets two concurrent updates both land: the loser re-reads and re-applies its change to the fresh record', async () => {
    const requestId = await newRequest();
    const bothRead = barrier(2);
    const seen: Record<string, number[]> = { priya: [], omar: [] };
    const approve = (name: string, userId: string) =>
      updateRequest(store, requestId, DECISION_FIELDS, async (current) => {
        seen[name]?.push(current.approvals.length);
        // The first round of each waits until the other has read too, so exactly one write wins it.
        if (seen[name]?.length === 1) await bothRead();
        return { ...current, approvals: [...current.approvals, approvalBy(userId)] };
      });

    const [priya, omar] = await Promise.all([approve('priya', 'U0PRIYA'), approve('omar', 'U0OMAR')]);

    // One round each for the winner, two for the loser, whose second round saw the winner's approval.
    expect([seen.priya, seen.omar].sort((a, b) => (a?.length ?? 0) - (b?.length ?? 0))).toEqual([
      [0],
      [0, 1],
    ]);
    expect([priya.request.version, omar.request.version].sort()).toEqual([2, 3]);
    const stored = await store.get(requestId);
    expect(stored?.version).toBe(3);
    expect(stored?.approvals.map((approval) => approval.userId).sort()).toEqual(['U0OMAR', 'U0PRIYA']);
  });

  it('gives up with RequestConflictError after its attempts when every round loses, writing nothing of its own', async () => {
    const requestId = await newRequest();
    let rounds = 0;

    const update = updateRequest(
      store,
      requestId,
      DECISION_FIELDS,
      async (current) => {
        rounds += 1;
        // Someone else writes between this round's read and its write, every time.
        expect(
          await store.save({ ...current, status: 'awaiting_approval' }, current.version, ['status']),
        ).toBe(true);
        return { ...current, status: 'denied' };
      },
      { attempts: 3 },
    );

    await expect(update).rejects.toThrow(RequestConflictError);
    await expect(update).rejects.toMatchObject({
      name: 'RequestConflict',
      userMessage: `Request ${requestId} kept changing while it was being updated (3 attempts); nothing of this update was saved.`,
    });
    expect(rounds).toBe(3);
    expect(await store.get(requestId)).toMatchObject({ version: 4, status: 'awaiting_approval' });
  });

  it('writes nothing when the mutation says there is no change, and returns its reason and the record', async () => {
    const requestId = await newRequest();

    const result = await updateRequest(store, requestId, DECISION_FIELDS, () => noChange('already decided'));

    expect(result).toMatchObject({
      saved: false,
      reason: 'already decided',
      request: { requestId, version: 1 },
    });
    expect((await store.get(requestId))?.version).toBe(1);
  });

  it('starts from the record the caller already read, and re-reads only after losing a race', async () => {
    const requestId = await newRequest();
    const stale = await store.get(requestId);
    await updateRequest(store, requestId, ['status'], (current) => ({ ...current, status: 'approved' }));
    const seenStatuses: string[] = [];

    const result = await updateRequest(
      store,
      requestId,
      ['requiredApprovals'],
      (current) => {
        seenStatuses.push(current.status);
        return { ...current, requiredApprovals: 2 };
      },
      { current: stale },
    );

    expect(seenStatuses).toEqual(['awaiting_approval', 'approved']);
    expect(result.request).toMatchObject({ version: 3, status: 'approved', requiredApprovals: 2 });
    expect(await store.get(requestId)).toMatchObject({
      version: 3,
      status: 'approved',
      requiredApprovals: 2,
    });
  });

  it('says which request it does not know', async () => {
    await expect(updateRequest(store, 'REQ-NOSUCH0000', ['status'], (current) => current)).rejects.toThrow(
      new UnknownRequestError('I have no request REQ-NOSUCH0000; nothing was changed.'),
    );
  });

  it('lets a mutation abort the update with its own error, writing nothing', async () => {
    const requestId = await newRequest();

    await expect(
      updateRequest(store, requestId, ['status'], () => {
        throw new RequestConflictError('planned again meanwhile');
      }),
    ).rejects.toThrow('planned again meanwhile');
    expect((await store.get(requestId))?.version).toBe(1);
  });
});

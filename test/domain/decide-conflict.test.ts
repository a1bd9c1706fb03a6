import { DynamoRequestStore } from '../../src/aws/request-store';
import { type DecideDeps, decideRequest } from '../../src/domain/decide-request';
import type { Log, WorkflowPort } from '../../src/domain/ports';
import type { AccessRequest, SavableField } from '../../src/domain/request';
import { updateRequest } from '../../src/domain/update-request';
import { slackWording } from '../../src/slack/blocks/wording';
import {
  createRequestsTable,
  type DynaliteHandle,
  startDynalite,
  testDynamoClient,
} from '../helpers/dynalite';

// A click's version-checked write (updateRequest, five rounds) against the real store on dynalite, with
// another writer slipping in before some of its writes: a real conditional-check conflict each time.

const TABLE = 'requests-decide';
const REQUEST_ID = 'REQ-DECIDE0001';
const APPROVER = 'U0APPROVER1';
const ALICE_ARN = 'arn:aws:iam::111122223333:user/alice';

/** The store, but another writer touches the record right before each of the first `contended` saves. */
class ContendedStore extends DynamoRequestStore {
  saves = 0;
  constructor(
    private readonly rival: DynamoRequestStore,
    private contended: number,
    ...args: ConstructorParameters<typeof DynamoRequestStore>
  ) {
    super(...args);
  }

  override async save(request: AccessRequest, expectedVersion: number, fields: readonly SavableField[]) {
    this.saves += 1;
    if (this.contended > 0) {
      this.contended -= 1;
      const current = await this.rival.get(request.requestId);
      if (current) await this.rival.save(current, current.version, ['status']);
    }
    return super.save(request, expectedVersion, fields);
  }
}

let dynamo: DynaliteHandle;
let rival: DynamoRequestStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createRequestsTable(dynamo.endpoint, TABLE);
  rival = new DynamoRequestStore(testDynamoClient(dynamo.endpoint), TABLE);
});

afterAll(async () => {
  await dynamo.stop();
});

async function pendingRequest(requestId: string): Promise<void> {
  await rival.create({
    requestId,
    version: 1,
    createdAt: '2026-11-29T10:00:00.000Z',
    requester: { userId: 'U0REQUESTER', teamId: 'T0' },
    channelId: 'C0CHAN',
    command: { action: 'grant', tier: 'developer', target: { kind: 'user', name: 'alice' } },
    target: { kind: 'user', name: 'alice', arn: ALICE_ARN },
    targetArn: ALICE_ARN,
    status: 'awaiting_approval',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    events: [],
  } as AccessRequest);
  await updateRequest(rival, requestId, ['planHash', 'taskToken'], (current) => ({
    ...current,
    planHash: 'a'.repeat(64),
    taskToken: 'token-1',
  }));
}

function depsFor(store: DynamoRequestStore) {
  const lines: Array<{ level: string; message: string }> = [];
  const sent: unknown[] = [];
  const log: Log = {
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
    startInvocation: () => undefined,
    appendKeys: () => undefined,
  };
  const workflow: WorkflowPort = {
    start: async () => 'started',
    sendDecision: async (_token, output) => {
      sent.push(output);
      return 'sent';
    },
  };
  const deps: DecideDeps = {
    store,
    log,
    workflow,
    clock: { now: () => new Date('2026-11-29T10:05:00.000Z') },
    wording: slackWording,
    // No card on this record, so nothing is posted to Slack.
    slack: {} as DecideDeps['slack'],
    approvers: { isApprover: async () => true },
    identity: async () => undefined,
    iam: { groupMemberNames: async () => [] },
  };
  return { deps, lines, sent };
}

const click = (requestId: string) => ({
  requestId,
  userId: APPROVER,
  teamId: 'T0',
  appId: undefined,
  choice: 'approve' as const,
});

describe('an Approve click whose write races other writers', () => {
  it('is counted on the fresh record after a lost round, and the workflow hears it once', async () => {
    await pendingRequest(REQUEST_ID);
    const store = new ContendedStore(rival, 1, testDynamoClient(dynamo.endpoint), TABLE);
    const { deps, sent } = depsFor(store);

    const result = await decideRequest(deps, click(REQUEST_ID));

    expect(result).toMatchObject({ kind: 'decided', message: 'Approved. The change is being applied.' });
    expect(store.saves).toBe(2);
    expect(sent).toEqual([{ outcome: 'approved', by: [APPROVER] }]);
    // Created (1), token stored (2), the rival's write (3), the click (4).
    expect(await rival.get(REQUEST_ID)).toMatchObject({ version: 4, status: 'approved' });
  });

  it('after losing all five rounds, tells the clicker to look again, counts nothing and logs why', async () => {
    const requestId = 'REQ-DECIDE0002';
    await pendingRequest(requestId);
    const store = new ContendedStore(rival, 5, testDynamoClient(dynamo.endpoint), TABLE);
    const { deps, lines, sent } = depsFor(store);

    const result = await decideRequest(deps, click(requestId));

    expect(result).toEqual({
      kind: 'message',
      message: 'Many people clicked at once; please look at the card again.',
    });
    expect(store.saves).toBe(5);
    expect(sent).toEqual([]);
    expect(await rival.get(requestId)).toMatchObject({ status: 'awaiting_approval', approvals: [] });
    expect(lines).toContainEqual({ level: 'warn', message: 'click not applied: the record kept changing' });
  });
});

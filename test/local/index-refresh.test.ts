/**
 * Local mode runs refreshUserIndex itself (IAM_USER_MAPPING=tag): the Slack path never scans, so without
 * it `npm start` in tag mode would answer every mention "not indexed yet".
 */
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { loadConfig } from '../../src/config';
import { startLocalIndexRefresh } from '../../src/local/index-refresh';
import { testDynamoClient } from '../helpers/dynalite';
import { ALICE, ackText, type Harness, startHarness } from '../helpers/harness';

jest.setTimeout(60_000);

let h: Harness;
let stop: (() => void) | undefined;

afterEach(async () => {
  stop?.();
  await h?.stop();
});

const clients = () => ({
  iam: h.iam.clients.iam,
  dynamodb: testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
});

it('indexes the sandbox account at start, so a mention of a tagged user resolves', async () => {
  h = await startHarness({ IAM_USER_MAPPING: 'tag' });
  h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
  const lines: string[] = [];
  const firstTick = new Promise<void>((resolve) => {
    // A long interval: only the tick made at start runs during the test.
    stop = startLocalIndexRefresh(
      'tag',
      h.env,
      clients(),
      (line) => {
        lines.push(line);
        resolve();
      },
      3_600_000,
    );
  });

  await firstTick;

  expect(lines).toEqual(['IAM user index of hub (111122223333) refreshed (never indexed): 1 tagged users']);
  expect(ackText(await h.slash(`grant <@${ALICE}|alice> developer`))).toContain('received');
});

it('starts no refresh with IAM_USER_MAPPING=email: no IAM call, no index written', async () => {
  h = await startHarness({});
  h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
  const iam = mockClient(h.iam.clients.iam);
  iam.send.callThrough();
  try {
    stop = startLocalIndexRefresh('email', h.env, clients(), () => undefined, 3_600_000);
    await new Promise(setImmediate);
    expect(iam.calls()).toHaveLength(0);
  } finally {
    iam.restore();
  }
  const store = new DynamoUserIndexStore(clients().dynamodb, loadConfig(h.env).requestsTable);
  await expect(store.lastPass('111122223333')).resolves.toBeUndefined();
});

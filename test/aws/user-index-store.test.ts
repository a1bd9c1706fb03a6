/**
 * The re-scan handshake between the slack function (asks, on a miss) and refreshUserIndex (scans when
 * asked, or hourly), on the real table definition in dynalite: when a miss may ask again, and when the
 * refresh finds a scan due.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoUserIndexStore } from '../../src/aws/user-index-store';
import { FULL_REFRESH_SECONDS, scanIsDue } from '../../src/domain/iam-user-index';
import { ensureRequestsTable, type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo';

const ACCOUNT = '111122223333';
const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

let dir: string;
let dynamo: LocalDynamo;
let store: DynamoUserIndexStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'codebuild-access-index-'));
  dynamo = await startLocalDynamo(join(dir, 'dynamodb'));
  await ensureRequestsTable(dynamo.client, 'requests');
  store = new DynamoUserIndexStore(dynamo.client, 'requests');
});

afterEach(async () => {
  await dynamo.stop();
  rmSync(dir, { recursive: true, force: true });
});

const dueAt = (seconds: number) =>
  scanIsDue({ store, accountId: ACCOUNT, clock: { now: () => new Date(at(seconds)) } });

describe('a miss asking for a re-scan', () => {
  it('asks once per cooldown: concurrent and later misses within it ask nothing new', async () => {
    const asks = await Promise.all([0, 0, 0].map(() => store.requestScan(ACCOUNT, at(0), 60)));
    expect(asks.filter(Boolean)).toHaveLength(1);
    await expect(store.requestScan(ACCOUNT, at(59), 60)).resolves.toBe(false);
    await expect(store.requestScan(ACCOUNT, at(61), 60)).resolves.toBe(true);
    await expect(store.scanRequestedAt(ACCOUNT)).resolves.toBe(at(61));
  });

  it('may ask again within the cooldown once a scan started after the last request (that request was served)', async () => {
    await store.requestScan(ACCOUNT, at(0), 60);
    await store.recordPass(ACCOUNT, { indexedAt: at(5), taggedUsers: 3 });

    await expect(store.requestScan(ACCOUNT, at(10), 60, at(5))).resolves.toBe(true);
  });

  it('is per account', async () => {
    await store.requestScan(ACCOUNT, at(0), 60);
    await expect(store.requestScan('444455556666', at(1), 60)).resolves.toBe(true);
  });
});

describe('whether the refresh scans', () => {
  it.each([
    [
      'never indexed (due since ever: it goes before any other due member)',
      [],
      0,
      { due: true, why: 'never indexed', dueSince: new Date(0).toISOString() },
    ],
    ['indexed, nothing asked since', [['pass', 0]], 30, { due: false, why: 'up to date' }],
    [
      'a miss asked after the last scan started',
      [
        ['pass', 0],
        ['ask', 10],
      ],
      30,
      { due: true, why: 'a miss asked', dueSince: at(10) },
    ],
    [
      'the last ask was before the last scan started',
      [
        ['ask', 0],
        ['pass', 5],
      ],
      30,
      { due: false, why: 'up to date' },
    ],
    [
      'the last scan is an hour old (due since the hour ended)',
      [['pass', 0]],
      FULL_REFRESH_SECONDS + 30,
      { due: true, why: 'hourly', dueSince: at(FULL_REFRESH_SECONDS) },
    ],
  ] as const)('%s', async (_label, events, now, expected) => {
    for (const [kind, second] of events) {
      if (kind === 'pass') await store.recordPass(ACCOUNT, { indexedAt: at(second), taggedUsers: 1 });
      else await store.requestScan(ACCOUNT, at(second), 60);
    }
    await expect(dueAt(now)).resolves.toEqual(expected);
  });
});

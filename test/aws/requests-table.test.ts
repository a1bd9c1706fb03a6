import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoRequestStore } from '../../src/aws/request-store';
import { BY_STATUS_INDEX, BY_TARGET_INDEX, REQUESTS_TABLE_DEFINITION } from '../../src/aws/requests-table';
import type { AccessRequest } from '../../src/domain/request';
import { ensureRequestsTable, type LocalDynamo, startLocalDynamo } from '../../src/local/dynamo';
import { createRequestsTable } from '../helpers/dynalite';

// serverless.yml loads the same JSON file (test/infra/template.test.ts compares the packaged template
// with it); here the two dynalite users, local mode and the test helper, are held to it.

let dir: string;
let dynamo: LocalDynamo;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'codebuild-access-table-'));
  dynamo = await startLocalDynamo(join(dir, 'dynamodb'));
});

afterEach(async () => {
  await dynamo.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The parts of a described table that the definition sets. */
async function describedDefinition(client: DynamoDBClient, tableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return {
    AttributeDefinitions: Table?.AttributeDefinitions,
    KeySchema: Table?.KeySchema,
    GlobalSecondaryIndexes: Table?.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
    BillingMode: Table?.BillingModeSummary?.BillingMode,
  };
}

const ALICE_ARN = 'arn:aws:iam::111122223333:user/alice';

const pendingRequest = (requestId: string, createdAt: string): AccessRequest =>
  ({
    requestId,
    version: 1,
    status: 'awaiting_approval',
    createdAt,
    targetArn: ALICE_ARN,
    requester: { userId: 'U0ALICE' },
    command: { kind: 'grant', tier: 'developer', target: { kind: 'user', name: 'alice' } },
    events: [],
    completedSteps: [],
  }) as unknown as AccessRequest;

describe('the requests table definition', () => {
  it('is what local mode creates in dynalite', async () => {
    await expect(ensureRequestsTable(dynamo.client, 'requests')).resolves.toBe('created');

    expect(await describedDefinition(dynamo.client, 'requests')).toEqual(REQUESTS_TABLE_DEFINITION);
  });

  it('is what the test helper creates in dynalite', async () => {
    await createRequestsTable(dynamo.endpoint, 'requests');

    expect(await describedDefinition(dynamo.client, 'requests')).toEqual(REQUESTS_TABLE_DEFINITION);
  });

  it('names the byTarget index that status and a revoke query, and the byStatus index of the Home tab and reminders', () => {
    expect(REQUESTS_TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => index.IndexName)).toEqual([
      BY_TARGET_INDEX,
      BY_STATUS_INDEX,
    ]);
  });

  it('projects into byStatus no plan, task token or journal (the slack, report and reminder roles query it)', () => {
    const byStatus = REQUESTS_TABLE_DEFINITION.GlobalSecondaryIndexes.find(
      (index) => index.IndexName === BY_STATUS_INDEX,
    );

    expect(byStatus?.Projection.ProjectionType).toBe('INCLUDE');
    expect(byStatus?.Projection.NonKeyAttributes).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(plan|planHash|taskToken|completedSteps|events)$/)]),
    );
  });

  it('leaves an existing table with the index alone', async () => {
    await ensureRequestsTable(dynamo.client, 'requests');

    await expect(ensureRequestsTable(dynamo.client, 'requests')).resolves.toBe('exists');
  });
});

describe('a requests table kept in .local/ by an older local mode, without the byTarget index', () => {
  it('is rebuilt with the index, keeping every request, so status finds its pending requests', async () => {
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: 'requests',
        AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // createTableMs: 0 makes it ACTIVE on the next tick.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const store = new DynamoRequestStore(dynamo.client, 'requests');
    await store.create(pendingRequest('REQ-OLD0000001', '2026-11-28T10:00:00.000Z'));
    await store.create(pendingRequest('REQ-OLD0000002', '2026-11-28T11:00:00.000Z'));
    await expect(store.pendingFor(ALICE_ARN)).rejects.toThrow(/byTarget/);

    await expect(ensureRequestsTable(dynamo.client, 'requests')).resolves.toBe('migrated');

    expect(await describedDefinition(dynamo.client, 'requests')).toEqual(REQUESTS_TABLE_DEFINITION);
    expect((await store.get('REQ-OLD0000001'))?.status).toBe('awaiting_approval');
    expect((await store.pendingFor(ALICE_ARN)).map((summary) => summary.requestId)).toEqual([
      'REQ-OLD0000002',
      'REQ-OLD0000001',
    ]);
  });
});

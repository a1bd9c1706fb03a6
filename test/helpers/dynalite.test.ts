import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createRequestsTable, type DynaliteHandle, startDynalite, testDynamoClient } from './dynalite';

describe('dynalite helper', () => {
  let dynamo: DynaliteHandle;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  it('listens on loopback', () => {
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates an ACTIVE requests table keyed by requestId, with the byTarget and byStatus indexes of serverless.yml', async () => {
    await createRequestsTable(dynamo.endpoint, 'requests-schema');
    const client = testDynamoClient(dynamo.endpoint);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'requests-schema' }));
    client.destroy();

    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'requestId', AttributeType: 'S' },
        { AttributeName: 'targetArn', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      GlobalSecondaryIndexes: [
        expect.objectContaining({
          IndexName: 'byTarget',
          KeySchema: [
            { AttributeName: 'targetArn', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'command', 'requester'] },
        }),
        expect.objectContaining({
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  it('stores and reads back an item, including non-ASCII text', async () => {
    await createRequestsTable(dynamo.endpoint, 'requests-roundtrip');
    const client = testDynamoClient(dynamo.endpoint);
    const item = { requestId: { S: 'REQ-1' }, reason: { S: 'because café' } };

    await client.send(new PutItemCommand({ TableName: 'requests-roundtrip', Item: item }));
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: 'requests-roundtrip',
        Key: { requestId: { S: 'REQ-1' } },
        ConsistentRead: true,
      }),
    );
    client.destroy();

    expect(Item).toEqual(item);
  });
});

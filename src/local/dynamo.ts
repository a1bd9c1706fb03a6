import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { REQUESTS_TABLE_DEFINITION, requestsTableInput } from '../aws/requests-table';
import type { AccessRequest } from '../domain/request';

/**
 * DynamoDB for local mode: dynalite (DynamoDB's API on LevelDB) on loopback, persisted in a folder,
 * with the requests table created from its one definition when it is missing.
 */

// dynalite ships no type declarations; this is the part of its API we use.
type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export const LOCAL_REGION = 'us-east-1';
// dynalite checks that requests are signed, not by whom.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Starts dynalite on a free loopback port, persisting to `path` (a LevelDB folder). */
export async function startLocalDynamo(path: string): Promise<LocalDynamo> {
  const dynalite = require('dynalite') as DynaliteFactory;
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      // close() waits for pending LevelDB operations, then closes the database (flushing it).
      await new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

export type EnsureTableOutcome = 'exists' | 'created' | 'migrated';

/**
 * Creates the requests table from its one definition (src/aws/requests-table.json) unless it exists.
 * A table kept in .local/ by an older version lacks the byTarget index (`status` and a revoke's report
 * failed on it); dynalite cannot add an index to a table, so that table is rebuilt with its items.
 */
export async function ensureRequestsTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<EnsureTableOutcome> {
  let existing: TableDescription | undefined;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (existing && hasEveryIndex(existing)) return 'exists';
  const items = existing ? await scanRequests(client, tableName) : [];
  if (existing) {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitUntil(client, tableName, (table) => table === undefined);
  }
  await client.send(new CreateTableCommand(requestsTableInput(tableName)));
  await waitUntil(client, tableName, (table) => table?.TableStatus === 'ACTIVE');
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  for (const item of items) await doc.send(new PutCommand({ TableName: tableName, Item: item }));
  return existing ? 'migrated' : 'created';
}

const hasEveryIndex = (table: TableDescription): boolean =>
  REQUESTS_TABLE_DEFINITION.GlobalSecondaryIndexes.every((wanted) =>
    (table.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === wanted.IndexName),
  );

// createTableMs/deleteTableMs: 0 settle on the next tick; poll without the SDK waiter's 20 s sleeps.
async function waitUntil(
  client: DynamoDBClient,
  tableName: string,
  done: (table: TableDescription | undefined) => boolean,
): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    let table: TableDescription | undefined;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (done(table)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Table ${tableName} did not settle in dynalite`);
}

/** Every request in the table (local mode only: a scan is fine for a developer's handful). */
export async function scanRequests(client: DynamoDBClient, tableName: string): Promise<AccessRequest[]> {
  const doc = DynamoDBDocumentClient.from(client);
  const items: AccessRequest[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items ?? []) as AccessRequest[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

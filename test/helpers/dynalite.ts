import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestsTableInput } from '../../src/aws/requests-table';

// dynalite ships no type declarations; this is the part of its API we use.
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;
const dynalite = require('dynalite') as DynaliteFactory;

export const TEST_AWS_REGION = 'us-east-1';
export const TEST_AWS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export interface DynaliteHandle {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts an in-memory DynamoDB (dynalite) on a free loopback port; tables become ACTIVE at once. */
export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Requests dynalite is still working on. Closing the server closes its database, and a request caught
  // half-way (e.g. from a workflow task a test stopped) then throws "Database is closed" out of
  // dynalite's handler, failing whichever test runs next.
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      for (let i = 0; i < 1000 && inFlight > 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // The SDK keeps sockets alive; drop them so close() does not wait for their idle timeout.
        server.closeAllConnections();
      });
    },
  };
}

/** A DynamoDB client for dynalite, with fixed test credentials so no credential chain is consulted. */
export function testDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: TEST_AWS_REGION, credentials: TEST_AWS_CREDENTIALS });
}

/** Creates the requests table from its one definition (src/aws/requests-table.json) and waits until it is ACTIVE. */
export async function createRequestsTable(endpoint: string, tableName: string): Promise<void> {
  const client = testDynamoClient(endpoint);
  try {
    await client.send(new CreateTableCommand(requestsTableInput(tableName)));
    // With createTableMs: 0 the table turns ACTIVE on the next timer tick. The SDK waiter would
    // sleep 20 s between polls, so poll directly, yielding to the event loop only.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`Table ${tableName} did not become ACTIVE in dynalite`);
  } finally {
    client.destroy();
  }
}

import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import definition from './requests-table.json';

/**
 * The requests table's one definition: keys, the byTarget index and billing mode, read from
 * requests-table.json. serverless.yml loads the same file into resources.RequestsTable with
 * ${file(...)}, local mode creates the table from it in dynalite, and so do the tests, so the three
 * cannot drift apart (test/infra/template.test.ts compares the packaged template with it).
 *
 * No TimeToLiveSpecification: a request record is the audit trail of an IAM change, so it is kept.
 */
export const REQUESTS_TABLE_DEFINITION = definition;

/**
 * The index `status` queries (pending requests of a target) and a revoke's report queries (time-bound
 * grants of the target to end early): targetArn (hash) + createdAt (range).
 */
export const BY_TARGET_INDEX = 'byTarget';

/**
 * The index the Home tab (pending requests, active grants) and the approver reminder (requests waiting
 * longer than APPROVER_REMINDER_SECONDS) query: status (hash) + createdAt (range). It projects what
 * those show (RequestDigest), never a plan, a task token or a journal.
 */
export const BY_STATUS_INDEX = 'byStatus';

/** The CreateTable input for the requests table under `tableName` (local mode, tests, the bench). */
export function requestsTableInput(tableName: string): CreateTableCommandInput {
  // A fresh copy per call, so the SDK never holds the imported object. The JSON import widens
  // "S"/"HASH"/"INCLUDE" to string; the file holds the SDK's own shapes.
  const copy = JSON.parse(JSON.stringify(definition)) as Omit<CreateTableCommandInput, 'TableName'>;
  return { TableName: tableName, ...copy };
}

import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { UserIndexEntry, UserIndexStore } from '../domain/iam-user-index';
import { classifyAwsError } from './classify-error';

/**
 * The IAM user index lives in the requests table (its one definition, src/aws/requests-table.json), under
 * keys no request id can take (request ids are `REQ-…`): `iamuser#<account>#<U…>` per Slack user and
 * `iamuser-scan#<account>` for the last scan. They carry no targetArn or status, so no index of the
 * table ever shows them. The roles may write these keys only with these attributes (serverless.yml,
 * dynamodb:LeadingKeys `iamuser*`).
 */
export const USER_INDEX_KEY_PREFIX = 'iamuser';
export const USER_INDEX_ATTRIBUTES = ['requestId', 'userName', 'indexedAt'] as const;
export const USER_INDEX_SCAN_ATTRIBUTES = ['requestId', 'scannedAt'] as const;

const entryKey = (accountId: string, slackUserId: string): string =>
  `${USER_INDEX_KEY_PREFIX}#${accountId}#${slackUserId}`;
const scanKey = (accountId: string): string => `${USER_INDEX_KEY_PREFIX}-scan#${accountId}`;

// BatchWriteItem takes at most 25 requests.
const BATCH = 25;
// Unprocessed items are sent again a few times, then the rebuild fails (the schedule tries again).
const MAX_BATCH_ROUNDS = 5;

export class DynamoUserIndexStore implements UserIndexStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async get(accountId: string, slackUserId: string): Promise<UserIndexEntry | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { requestId: entryKey(accountId, slackUserId) } }),
      );
      const item = out.Item as { userName?: unknown; indexedAt?: unknown } | undefined;
      if (typeof item?.userName !== 'string' || typeof item.indexedAt !== 'string') return undefined;
      return { slackUserId, userName: item.userName, indexedAt: item.indexedAt };
    } catch (error) {
      throw classifyAwsError(error, 'read the IAM user index');
    }
  }

  async putAll(accountId: string, entries: readonly UserIndexEntry[]): Promise<void> {
    try {
      for (let i = 0; i < entries.length; i += BATCH) {
        let requests = entries.slice(i, i + BATCH).map((entry) => ({
          PutRequest: {
            Item: {
              requestId: entryKey(accountId, entry.slackUserId),
              userName: entry.userName,
              indexedAt: entry.indexedAt,
            },
          },
        }));
        for (let round = 0; requests.length > 0; round += 1) {
          if (round === MAX_BATCH_ROUNDS) throw new Error('DynamoDB left index writes unprocessed');
          const out = await this.doc.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
          );
          requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        }
      }
    } catch (error) {
      throw classifyAwsError(error, 'write the IAM user index');
    }
  }

  async delete(accountId: string, slackUserId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { requestId: entryKey(accountId, slackUserId) },
        }),
      );
    } catch (error) {
      throw classifyAwsError(error, 'update the IAM user index');
    }
  }

  async claimScan(accountId: string, now: string, cooldownSeconds: number): Promise<boolean> {
    const cutoff = new Date(Date.parse(now) - cooldownSeconds * 1000).toISOString();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { requestId: scanKey(accountId), scannedAt: now },
          ConditionExpression: 'attribute_not_exists(requestId) OR scannedAt < :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw classifyAwsError(error, 'record a scan of the IAM users');
    }
  }
}

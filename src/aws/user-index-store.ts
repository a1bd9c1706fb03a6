import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IndexPass, UserIndexEntry, UserIndexStore } from '../domain/iam-user-index';
import { classifyAwsError } from './classify-error';

/**
 * The IAM user index lives in the requests table (its one definition, src/aws/requests-table.json), under
 * keys no request id can take (request ids are `REQ-…`): `iamuser#<account>#<U…>` per Slack user,
 * `iamuser-scan#<account>` for the last re-scan a miss asked for (written by the slack function), and
 * `iamuser-pass#<account>` for the last complete scan (written by the refresh function). They carry no
 * targetArn or status, so no index of the table ever shows them. The roles may write these keys only with
 * these attributes (serverless.yml, dynamodb:LeadingKeys `iamuser*`).
 */
export const USER_INDEX_KEY_PREFIX = 'iamuser';
export const USER_INDEX_ATTRIBUTES = ['requestId', 'userName', 'otherUserNames', 'indexedAt'] as const;
export const USER_INDEX_SCAN_ATTRIBUTES = ['requestId', 'requestedAt'] as const;
export const USER_INDEX_PASS_ATTRIBUTES = ['requestId', 'indexedAt', 'taggedUsers'] as const;

const entryKey = (accountId: string, slackUserId: string): string =>
  `${USER_INDEX_KEY_PREFIX}#${accountId}#${slackUserId}`;
const scanKey = (accountId: string): string => `${USER_INDEX_KEY_PREFIX}-scan#${accountId}`;
const passKey = (accountId: string): string => `${USER_INDEX_KEY_PREFIX}-pass#${accountId}`;

const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') && value.length > 0
    ? (value as string[])
    : undefined;

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
      const item = out.Item as
        | { userName?: unknown; otherUserNames?: unknown; indexedAt?: unknown }
        | undefined;
      if (typeof item?.userName !== 'string' || typeof item.indexedAt !== 'string') return undefined;
      const others = stringList(item.otherUserNames);
      return {
        slackUserId,
        userName: item.userName,
        ...(others ? { otherUserNames: others } : {}),
        indexedAt: item.indexedAt,
      };
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
              ...(entry.otherUserNames?.length ? { otherUserNames: entry.otherUserNames } : {}),
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

  async requestScan(
    accountId: string,
    now: string,
    cooldownSeconds: number,
    lastIndexedAt?: string,
  ): Promise<boolean> {
    const cutoff = new Date(Date.parse(now) - cooldownSeconds * 1000).toISOString();
    // A request older than the last scan's start was served by it: a new miss may ask again at once.
    const served = lastIndexedAt ?? cutoff;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { requestId: scanKey(accountId), requestedAt: now },
          ConditionExpression:
            'attribute_not_exists(requestId) OR requestedAt < :cutoff OR requestedAt < :served',
          ExpressionAttributeValues: { ':cutoff': cutoff, ':served': served },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw classifyAwsError(error, 'ask for a re-scan of the IAM users');
    }
  }

  async scanRequestedAt(accountId: string): Promise<string | undefined> {
    const item = await this.read(scanKey(accountId), 'read the IAM user index');
    return typeof item?.requestedAt === 'string' ? item.requestedAt : undefined;
  }

  async lastPass(accountId: string): Promise<IndexPass | undefined> {
    const item = await this.read(passKey(accountId), 'read the IAM user index');
    return typeof item?.indexedAt === 'string' && typeof item.taggedUsers === 'number'
      ? { indexedAt: item.indexedAt, taggedUsers: item.taggedUsers }
      : undefined;
  }

  async recordPass(accountId: string, pass: IndexPass): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { requestId: passKey(accountId), indexedAt: pass.indexedAt, taggedUsers: pass.taggedUsers },
        }),
      );
    } catch (error) {
      throw classifyAwsError(error, 'record a scan of the IAM users');
    }
  }

  private async read(key: string, what: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { requestId: key } }));
      return out.Item;
    } catch (error) {
      throw classifyAwsError(error, what);
    }
  }
}

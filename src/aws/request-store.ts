import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  ActiveGrantFinder,
  PendingRequestFinder,
  ReminderMarker,
  RequestLister,
  RequestStore,
} from '../domain/ports';
import {
  type AccessRequest,
  type AuditEvent,
  type CompletedStep,
  PENDING_STATUSES,
  REQUEST_CREATE_FIELDS,
  type RequestDigest,
  type RequestStatus,
  type RequestSummary,
  type SavableField,
} from '../domain/request';
import { classifyAwsError } from './classify-error';
import { BY_STATUS_INDEX, BY_TARGET_INDEX } from './requests-table';

/** A stored item as a request: the lists the slack function does not write start empty. */
const asRequest = (item: Record<string, unknown>): AccessRequest =>
  ({
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    events: [],
    ...item,
  }) as unknown as AccessRequest;

/** RequestStore on one DynamoDB table keyed by requestId. */
export class DynamoRequestStore
  implements RequestStore, PendingRequestFinder, ActiveGrantFinder, RequestLister, ReminderMarker
{
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(request: AccessRequest): Promise<'created' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // Only the creation fields: the slack function's role may put no other attribute.
          Item: Object.fromEntries(REQUEST_CREATE_FIELDS.map((field) => [field, request[field]])),
          ConditionExpression: 'attribute_not_exists(requestId)',
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw classifyAwsError(error, `store request ${request.requestId}`);
    }
  }

  async get(requestId: string): Promise<AccessRequest | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { requestId }, ConsistentRead: true }),
      );
      return out.Item ? asRequest(out.Item) : undefined;
    } catch (error) {
      throw classifyAwsError(error, `read request ${requestId}`);
    }
  }

  async save(
    request: AccessRequest,
    expectedVersion: number,
    only: readonly SavableField[],
  ): Promise<boolean> {
    // The store, not the caller, moves the version on: callers go through updateRequest.
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion, ':next': expectedVersion + 1 };
    const sets: string[] = ['#version = :next'];
    const removes: string[] = [];
    for (const field of only.filter((name) => name !== 'version')) {
      names[`#${field}`] = field;
      const value = request[field];
      if (value === undefined) {
        removes.push(`#${field}`);
      } else {
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
    }
    const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId: request.requestId },
          UpdateExpression: expression,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw classifyAwsError(error, `update request ${request.requestId}`);
    }
  }

  async pendingFor(targetArn: string): Promise<RequestSummary[]> {
    const values: Record<string, string> = { ':target': targetArn };
    PENDING_STATUSES.forEach((status, index) => {
      values[`:s${index}`] = status;
    });
    const found: RequestSummary[] = [];
    try {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          IndexName: BY_TARGET_INDEX,
          KeyConditionExpression: '#target = :target',
          FilterExpression: `#status IN (${PENDING_STATUSES.map((_, index) => `:s${index}`).join(', ')})`,
          ExpressionAttributeNames: { '#target': 'targetArn', '#status': 'status' },
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
        },
      );
      for await (const page of pages) {
        found.push(...((page.Items ?? []) as RequestSummary[]));
        // `status` shows the newest 20; older pending requests are not worth more reads on the Slack path.
        if (found.length >= 20) break;
      }
    } catch (error) {
      throw classifyAwsError(error, `look up the pending requests for ${targetArn}`);
    }
    return found;
  }

  async requestsFor(targetArn: string): Promise<RequestSummary[]> {
    const found: RequestSummary[] = [];
    try {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          IndexName: BY_TARGET_INDEX,
          KeyConditionExpression: '#target = :target',
          ExpressionAttributeNames: { '#target': 'targetArn' },
          ExpressionAttributeValues: { ':target': targetArn },
        },
      );
      for await (const page of pages) found.push(...((page.Items ?? []) as RequestSummary[]));
    } catch (error) {
      throw classifyAwsError(error, `look up the requests for ${targetArn}`);
    }
    return found;
  }

  async listByStatus(
    status: RequestStatus,
    options: { createdBefore?: string; limit?: number } = {},
  ): Promise<RequestDigest[]> {
    const limit = options.limit ?? 100;
    const found: RequestDigest[] = [];
    try {
      const pages = paginateQuery(
        { client: this.doc, pageSize: limit },
        {
          TableName: this.tableName,
          IndexName: BY_STATUS_INDEX,
          KeyConditionExpression:
            options.createdBefore === undefined
              ? '#status = :status'
              : '#status = :status AND #created < :before',
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(options.createdBefore === undefined ? {} : { '#created': 'createdAt' }),
          },
          ExpressionAttributeValues: {
            ':status': status,
            ...(options.createdBefore === undefined ? {} : { ':before': options.createdBefore }),
          },
          ScanIndexForward: false,
        },
      );
      for await (const page of pages) {
        found.push(...((page.Items ?? []).map((item) => asRequest(item)) as RequestDigest[]));
        if (found.length >= limit) break;
      }
    } catch (error) {
      throw classifyAwsError(error, `list the ${status} requests`);
    }
    return found.slice(0, limit);
  }

  async markApproversReminded(requestId: string, at: string): Promise<boolean> {
    try {
      // Only this attribute, and no version bump: the reminder never races a decision or a report.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: 'SET #reminded = :at',
          ConditionExpression: 'attribute_exists(requestId) AND attribute_not_exists(#reminded)',
          ExpressionAttributeNames: { '#reminded': 'approversRemindedAt' },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw classifyAwsError(error, `record the approver reminder of ${requestId}`);
    }
  }

  appendEvent(requestId: string, event: AuditEvent): Promise<void> {
    return this.append(requestId, 'events', event);
  }

  appendCompletedStep(requestId: string, step: CompletedStep): Promise<void> {
    return this.append(requestId, 'completedSteps', step);
  }

  private async append(requestId: string, field: 'events' | 'completedSteps', item: unknown): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: 'SET #list = list_append(if_not_exists(#list, :empty), :item)',
          ConditionExpression: 'attribute_exists(requestId)',
          ExpressionAttributeNames: { '#list': field },
          ExpressionAttributeValues: { ':empty': [], ':item': [item] },
        }),
      );
    } catch (error) {
      throw classifyAwsError(error, `append to the ${field} of request ${requestId}`);
    }
  }
}

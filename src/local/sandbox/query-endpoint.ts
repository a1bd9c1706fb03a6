/**
 * The sandbox's IAM over HTTP, for a process that cannot share its SDK clients (the bench's cold-start
 * children run the packaged Lambda bundle and reach IAM through AWS_ENDPOINT_URL_IAM). It only translates
 * IAM's query protocol (form-encoded request, XML response) to and from the handler table; every IAM rule
 * stays in iam-handlers.ts, so this is the same IAM that tests and local mode use, not another fake.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxAccount } from './account';
import type { SandboxHandlers } from './handler-kit';
import { iamHandlers } from './iam-handlers';

const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

// The query protocol sends every value as text; these are the members IAM models as numbers or booleans
// among those the handlers read.
const NUMBER_MEMBERS = new Set(['MaxItems', 'MaxSessionDuration']);
const BOOLEAN_MEMBERS = new Set(['SetAsDefault', 'OnlyAttached']);

type Tree = { [key: string]: Tree | string };

const typed = (member: string, value: string): unknown => {
  if (NUMBER_MEMBERS.has(member)) return Number(value);
  if (BOOLEAN_MEMBERS.has(member)) return value === 'true';
  return value;
};

// `A.member.2.Key` -> { A: { member: { 2: { Key } } } }, then `member` maps become lists in index order.
const insert = (tree: Tree, path: string[], value: string): void => {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    tree[head] = value;
    return;
  }
  const child = tree[head];
  const next: Tree = typeof child === 'object' ? child : {};
  tree[head] = next;
  insert(next, rest, value);
};

const shaped = (member: string, node: Tree | string): unknown => {
  if (typeof node === 'string') return typed(member, node);
  const list = node.member;
  if (typeof list === 'object' && Object.keys(node).length === 1) {
    return Object.entries(list)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, item]) => shaped(member, item));
  }
  return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, shaped(key, child)]));
};

/** The command name and input an IAM query-protocol request body carries. */
export const decodeIamQuery = (body: string): { action: string; input: Record<string, unknown> } => {
  const form = new URLSearchParams(body);
  const tree: Tree = {};
  for (const [key, value] of form) {
    if (key !== 'Action' && key !== 'Version') insert(tree, key.split('.'), value);
  }
  return { action: form.get('Action') ?? '', input: shaped('', tree) as Record<string, unknown> };
};

const escapeXml = (text: string): string => text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

const xmlValue = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${xmlValue(item)}</member>`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([key, child]) => `<${key}>${xmlValue(child)}</${key}>`)
      .join('');
  }
  return escapeXml(String(value));
};

export interface QueryResponse {
  status: number;
  body: string;
}

const errorResponse = (status: number, code: string, message: string): QueryResponse => ({
  status,
  body:
    `<ErrorResponse xmlns="${IAM_NAMESPACE}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
});

// The SDK names its exception classes `<Code>Exception`; IAM sends the bare code (NoSuchEntity).
const asErrorResponse = (error: unknown): QueryResponse => {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (!(error instanceof Error) || status === undefined) throw error;
  return errorResponse(status, error.name.replace(/Exception$/, ''), error.message);
};

/** Answers one IAM query-protocol request body from the account, as IAM would over HTTP. */
export const answerIamQuery = async (
  account: SandboxAccount,
  body: string,
  handlers: SandboxHandlers = iamHandlers,
): Promise<QueryResponse> => {
  const { action, input } = decodeIamQuery(body);
  const handler = handlers[`${action}Command`];
  if (!handler) return errorResponse(400, 'InvalidAction', `The sandbox does not implement IAM ${action}.`);
  try {
    const output = await handler(input, account);
    return {
      status: 200,
      body:
        `<${action}Response xmlns="${IAM_NAMESPACE}"><${action}Result>${xmlValue(output)}</${action}Result>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    };
  } catch (error) {
    return asErrorResponse(error);
  }
};

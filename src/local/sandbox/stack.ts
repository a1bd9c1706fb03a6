/**
 * What the bot's CloudFormation stack puts into the account, played into the sandbox: the customer managed
 * policies the bot attaches by ARN (CodeBuildAccessPolicy, the service-role policies) and the boundary its
 * service roles get. Local mode calls this at every start, so it must be idempotent across restarts.
 *
 * It goes through the IAM handlers, so IAM's rules (names, grammar, size, version quota) apply exactly as
 * they do to the bot's own calls.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PolicyDocument } from '../../domain/seed-policies';
import type { SandboxAccount, SandboxManagedPolicy } from './account';
import { createPolicy, createPolicyVersion, deletePolicyVersion } from './iam-handlers';

/** One AWS::IAM::ManagedPolicy of the stack. */
export interface StackPolicy {
  /** Defaults to `/`. */
  path?: string;
  name: string;
  /** The policy text as the template would send it, or the document itself (sent as 2-space JSON). */
  document: string | PolicyDocument;
  description?: string;
}

/** The stack's policies cannot be deployed into this account as they stand. */
export class StackDeployError extends Error {
  override readonly name = 'StackDeployError';
  readonly userMessage: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.userMessage = `The local sandbox account cannot take the stack's policies: ${message}`;
  }
}

const textOf = (document: string | PolicyDocument): string =>
  typeof document === 'string' ? document : JSON.stringify(document, null, 2);

// Compared as JSON, so a template that only reformats a document changes nothing.
const sameDocument = (a: string, b: string): boolean => {
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
};

/**
 * Creates each policy the stack defines when it is absent and, as a CloudFormation update does, makes a
 * changed document the new default version (deleting the oldest other version when all five are used).
 * Returns the policies' ARNs in the order given. The caller persists the account (`store.saveIfChanged()`).
 */
export function deployStackPolicies(account: SandboxAccount, policies: readonly StackPolicy[]): string[] {
  return policies.map((wanted) => {
    const path = wanted.path ?? '/';
    const document = textOf(wanted.document);
    const existing = account.findPolicy(wanted.name);
    if (existing) return updateStackPolicy(account, existing, path, document);
    const created = createPolicy(account, {
      PolicyName: wanted.name,
      Path: path,
      PolicyDocument: document,
      ...(wanted.description !== undefined ? { Description: wanted.description } : {}),
    });
    return created.Policy?.Arn ?? account.policyArn(path, wanted.name);
  });
}

// What a CloudFormation update does to a policy the stack already created; returns its ARN.
function updateStackPolicy(
  account: SandboxAccount,
  existing: SandboxManagedPolicy,
  path: string,
  document: string,
): string {
  // A path is part of the ARN and cannot change in place; CloudFormation would replace the policy.
  if (existing.path !== path) {
    throw new StackDeployError(
      `Managed policy ${existing.name} exists at path ${existing.path}, the stack wants ${path}; delete it first.`,
    );
  }
  if (sameDocument(account.defaultVersion(existing).document, document)) return existing.arn;
  if (existing.versions.length >= 5) {
    const oldest = existing.versions.find((version) => version.versionId !== existing.defaultVersionId);
    if (oldest) deletePolicyVersion(account, { PolicyArn: existing.arn, VersionId: oldest.versionId });
  }
  createPolicyVersion(account, { PolicyArn: existing.arn, PolicyDocument: document, SetAsDefault: true });
  return existing.arn;
}

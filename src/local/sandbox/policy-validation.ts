/**
 * The policy checks IAM and KMS make before they store a document. The grammar is
 * @cloud-copilot/iam-policy's (validateIdentityPolicy, validateTrustPolicy, validateResourcePolicy); this
 * file only adds the few rules the library leaves to the service, and words the first finding the way the
 * service words its MalformedPolicyDocument error. Each check returns that message, or undefined when the
 * document passes.
 *
 * @cloud-copilot/iam-policy is AGPL and a devDependency, like iam-simulate: only src/local imports it, and
 * no Lambda handler imports src/local, so no bundle contains it.
 */
import {
  loadPolicy,
  type Statement,
  type ValidationError,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from '@cloud-copilot/iam-policy';

export type PolicyKind = 'identity' | 'trust' | 'key';

const SYNTAX = 'Syntax errors in policy.';

// The library's finding (matched on its message, or its path for the version) -> IAM's or KMS's wording.
// A finding with no entry here is a plain syntax error, which is what the services call anything else.
const WORDING: ReadonlyArray<[RegExp, string]> = [
  [/^Version /, 'The policy failed legacy parsing'],
  [
    /^(Not)?Principal is not allowed in an identity policy/,
    'Policy document should not specify a principal.',
  ],
  [/^One of Resource or NotResource is required/, 'Policy statement must contain resources.'],
  [/^One of Action or NotAction is required/, 'Policy statement must contain actions.'],
  [
    /^(Action must be a wildcard|Service can only contain|Action can only contain)/,
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  ],
  [/^(Not)?Resource is not allowed in a trust policy/, 'Has prohibited field Resource'],
  [/^One of Principal or NotPrincipal is required in a trust policy/, 'Missing required field Principal'],
];

const worded = (finding: ValidationError): string =>
  WORDING.find(([pattern]) => pattern.test(finding.message))?.[1] ?? SYNTAX;

const VALIDATORS: Record<PolicyKind, (policy: unknown) => ValidationError[]> = {
  identity: validateIdentityPolicy,
  trust: validateTrustPolicy,
  key: validateResourcePolicy,
};

const statementsOf = (parsed: unknown): unknown[] => {
  const raw = (parsed as { Statement?: unknown }).Statement;
  return Array.isArray(raw) ? raw : [raw];
};

// AWS rules the library does not check (it checks syntax, not what each service accepts).
const duplicateSid = (parsed: unknown): string | undefined => {
  const sids = statementsOf(parsed)
    .map((statement) => (statement as { Sid?: unknown }).Sid)
    .filter((sid): sid is string => typeof sid === 'string');
  return new Set(sids).size === sids.length
    ? undefined
    : 'Statement IDs (SID) in a single policy must be unique.';
};

// A trust policy may name only STS actions (IAM API Reference: CreateRole, AssumeRolePolicyDocument).
const STS_ACTION = /^(sts:[a-zA-Z*]+|\*)$/;
const hasPrincipal = (statement: Statement): boolean =>
  statement.isPrincipalStatement() || statement.isNotPrincipalStatement();
const actionsOf = (statement: Statement): string[] => {
  if (statement.isActionStatement()) return statement.actions().map((action) => action.value());
  if (statement.isNotActionStatement()) return statement.notActions().map((action) => action.value());
  return [];
};

const SERVICE_RULES: Record<PolicyKind, (statements: Statement[]) => string | undefined> = {
  identity: () => undefined,
  trust: (statements) =>
    statements.every((statement) => actionsOf(statement).every((action) => STS_ACTION.test(action)))
      ? undefined
      : 'AssumeRole policy may only specify STS AssumeRole actions.',
  // The library's resource-policy rules do not require a principal; KMS does.
  key: (statements) =>
    statements.every(hasPrincipal) ? undefined : 'Policy contains a statement with no principal.',
};

/** The problem IAM or KMS reports for the document text as a policy of `kind`, or undefined when it passes. */
export const policyProblem = (kind: PolicyKind, text: string): string | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return SYNTAX;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return SYNTAX;
  const [finding] = VALIDATORS[kind](parsed);
  if (finding) return worded(finding);
  // The library accepts `"Statement": []`; IAM and KMS refuse a policy without statements.
  if (statementsOf(parsed).length === 0) return SYNTAX;
  return duplicateSid(parsed) ?? SERVICE_RULES[kind](loadPolicy(parsed).statements());
};

/** The values of one principal type (`AWS`, `Service`, ...) named anywhere in a valid policy's Principal elements. */
export const principalValues = (text: string, type: string): string[] =>
  loadPolicy(JSON.parse(text))
    .statements()
    .flatMap((statement) => [
      ...(statement.isPrincipalStatement() ? statement.principals() : []),
      ...(statement.isNotPrincipalStatement() ? statement.notPrincipals() : []),
    ])
    .filter((principal) => principal.type() === type)
    .map((principal) => principal.value());

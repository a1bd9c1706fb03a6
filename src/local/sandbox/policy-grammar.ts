/**
 * The policy grammar checks IAM and KMS apply before they store a document. Each returns the message the
 * service would put in its MalformedPolicyDocument error, or undefined when the document passes.
 */

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const ACTION = /^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$/;

/** The statements of a parsed policy, or the problem that stops it parsing as a policy at all. */
export const policyStatements = (text: string): { statements: JsonObject[] } | { problem: string } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'Syntax errors in policy.' };
  }
  if (!isObject(parsed)) return { problem: 'Syntax errors in policy.' };
  for (const key of Object.keys(parsed)) {
    if (!['Version', 'Id', 'Statement'].includes(key)) return { problem: 'Syntax errors in policy.' };
  }
  if (parsed.Version !== undefined && !(typeof parsed.Version === 'string' && VERSIONS.has(parsed.Version))) {
    return { problem: 'The policy failed legacy parsing' };
  }
  const raw = parsed.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? undefined : [raw];
  if (!statements || statements.length === 0 || !statements.every(isObject)) {
    return { problem: 'Syntax errors in policy.' };
  }
  const sids = new Set<string>();
  for (const statement of statements) {
    if (Object.keys(statement).some((key) => !STATEMENT_KEYS.has(key)))
      return { problem: 'Syntax errors in policy.' };
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      return { problem: 'Syntax errors in policy.' };
    if (typeof statement.Sid === 'string') {
      if (sids.has(statement.Sid))
        return { problem: 'Statement IDs (SID) in a single policy must be unique.' };
      sids.add(statement.Sid);
    }
    const actions = statement.Action ?? statement.NotAction;
    if (actions === undefined) return { problem: 'Policy statement must contain actions.' };
    const list = Array.isArray(actions) ? actions : [actions];
    if (!list.every((action) => typeof action === 'string' && ACTION.test(action))) {
      return { problem: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.' };
    }
  }
  return { statements };
};

/** Problems IAM reports for an identity (inline or managed) policy. */
export const identityPolicyProblem = (text: string): string | undefined => {
  const parsed = policyStatements(text);
  if ('problem' in parsed) return parsed.problem;
  for (const statement of parsed.statements) {
    if (statement.Principal !== undefined || statement.NotPrincipal !== undefined) {
      return 'Policy document should not specify a principal.';
    }
    if (statement.Resource === undefined && statement.NotResource === undefined) {
      return 'Policy statement must contain resources.';
    }
  }
  return undefined;
};

/** The values of one principal type (`AWS`, `Service`, ...) across the statements. */
export const principalValues = (statements: JsonObject[], type: string): string[] =>
  statements.flatMap((statement) =>
    [statement.Principal, statement.NotPrincipal].flatMap((principal) => {
      if (!isObject(principal)) return [];
      const value = principal[type];
      return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
        (item): item is string => typeof item === 'string',
      );
    }),
  );

const hasPrincipal = (statement: JsonObject): boolean =>
  statement.Principal === '*' ||
  isObject(statement.Principal) ||
  statement.NotPrincipal === '*' ||
  isObject(statement.NotPrincipal);

/** Problems IAM reports for a role trust policy (before it checks that the named principals exist). */
export const trustPolicyProblem = (text: string): string | undefined => {
  const parsed = policyStatements(text);
  if ('problem' in parsed) return parsed.problem;
  for (const statement of parsed.statements) {
    if (statement.Resource !== undefined || statement.NotResource !== undefined) {
      return 'Has prohibited field Resource';
    }
    if (!hasPrincipal(statement)) return 'Missing required field Principal';
    const actions = statement.Action ?? statement.NotAction;
    const list = Array.isArray(actions) ? actions : [actions];
    if (!list.every((action) => typeof action === 'string' && /^(sts:[a-zA-Z*]+|\*)$/.test(action))) {
      return 'AssumeRole policy may only specify STS AssumeRole actions.';
    }
  }
  return undefined;
};

/** Problems KMS reports for a key policy (before it checks principals and the lockout rule). */
export const keyPolicyGrammarProblem = (text: string): string | undefined => {
  const parsed = policyStatements(text);
  if ('problem' in parsed) return parsed.problem;
  // KMS documents that a statement without Resource or Action is accepted and simply has no effect, so
  // only the principal is required here.
  if (!parsed.statements.every(hasPrincipal)) {
    return 'Policy contains a statement with no principal.';
  }
  return undefined;
};

const wildcardMatches = (pattern: string, value: string): boolean => {
  const regex = new RegExp(
    `^${pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    'i',
  );
  return regex.test(value);
};

/**
 * KMS's lockout safety check, as far as the sandbox can judge it: some Allow statement must still let the
 * account (and through it, IAM policies) or the given caller call kms:PutKeyPolicy.
 */
export const keyPolicyKeepsAdmin = (
  text: string,
  accountId: string,
  callerArns: readonly string[],
): boolean => {
  const parsed = policyStatements(text);
  if ('problem' in parsed) return false;
  const admins = new Set([accountId, `arn:aws:iam::${accountId}:root`, '*', ...callerArns]);
  return parsed.statements.some((statement) => {
    if (statement.Effect !== 'Allow' || statement.Action === undefined) return false;
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const allowsPut = actions.some(
      (action) => typeof action === 'string' && wildcardMatches(action, 'kms:PutKeyPolicy'),
    );
    const principals =
      statement.Principal === '*' ? ['*'] : principalValues([{ Principal: statement.Principal }], 'AWS');
    return (
      allowsPut &&
      principals.some((principal) => admins.has(principal.replace(/^arn:aws[\w-]*:/, 'arn:aws:')))
    );
  });
};

// `npm run member-template`: writes deploy/member-account.yml, the CloudFormation template (a StackSet
// to an OU) that lets the bot work in a member account. It is GENERATED from serverless.yml so that the
// bot's privileges have one definition:
// - the stack's customer managed policies and the service-role boundary are copied as they are;
// - each member role carries exactly the statements of its hub function's role that act on the target
//   account (IAM, KMS, CodeBuild), resolved in the member account; everything the hub role does on the
//   hub's own resources (logs, SSM, DynamoDB, Step Functions, sts) stays out;
// - its trust admits only the matching hub role (and, when OrganizationId is set, only from that org).
// test/infra/member-template.test.ts fails when the committed file differs from what this writes.
// `node scripts/member-template.js --check` exits 1 instead of writing when the file is out of date.

const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.join(__dirname, '..');
const SOURCE = path.join(ROOT, 'serverless.yml');
const TARGET = path.join(ROOT, 'deploy', 'member-account.yml');

/**
 * The hub functions that act on a target account, each through its own member role (refreshUserIndex
 * lists the users' tags there, to keep that account's IAM user index).
 */
const MEMBER_FUNCTIONS = ['slack', 'plan', 'apply', 'rollback', 'verify', 'refreshUserIndex'];
/** The services a member role acts on; a hub statement on any other service stays in the hub. */
const TARGET_SERVICES = new Set(['iam', 'kms', 'codebuild']);
/** The hub stack's resources the member stack creates too (same logical ids, names and documents). */
const COPIED_RESOURCES = [
  'CodeBuildAccessPolicy',
  'CodeBuildServiceRolePolicy',
  'CodeBuildServiceRoleVpcPolicy',
  'CodeBuildServiceRoleBoundary',
];
/** Stage params of serverless.yml that become parameters of the member stack. */
const PARAMS = { permissionsBoundaryArn: 'PermissionsBoundaryArn' };
const PSEUDO = new Set(['AWS::Partition', 'AWS::AccountId', 'AWS::Region', 'AWS::NoValue', 'AWS::StackName']);

const HUB_ROLE_PATH = '/codebuild-access/';
const memberRoleId = (fn) => `Member${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`;
const hubRoleId = (fn) => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}FunctionRole`;

class MemberTemplateError extends Error {
  constructor(message) {
    super(`member template: ${message}`);
    this.name = 'MemberTemplateError';
  }
}

/** serverless.yml with CloudFormation's short forms (!Sub, !Ref…) read as their long forms. */
function readServerless(file = SOURCE) {
  const tags = [];
  const intrinsics = {
    Sub: 'Fn::Sub',
    Ref: 'Ref',
    GetAtt: 'Fn::GetAtt',
    If: 'Fn::If',
    Join: 'Fn::Join',
    Not: 'Fn::Not',
    Equals: 'Fn::Equals',
  };
  for (const [short, long] of Object.entries(intrinsics)) {
    tags.push({ tag: `!${short}`, resolve: (s) => ({ [long]: long === 'Fn::GetAtt' ? s.split('.') : s }) });
    tags.push({ tag: `!${short}`, collection: 'seq', resolve: (seq) => ({ [long]: seq.toJSON() }) });
  }
  return YAML.parse(readFileSync(file, 'utf8'), { customTags: tags, maxAliasCount: -1 });
}

/** `${name}`, a Fn::Sub variable. */
const subVar = (name) => `\${${name}}`;

/** Rewrites a `${…}` serverless variable or CloudFormation reference inside a Fn::Sub string. */
function subVariable(name) {
  if (name === 'sls:stage') return subVar('Stage');
  const param = /^param:(\w+)$/.exec(name);
  if (param && PARAMS[param[1]]) return subVar(PARAMS[param[1]]);
  if (PSEUDO.has(name)) return subVar(name);
  throw new MemberTemplateError(`no member-account equivalent for ${subVar(name)}`);
}

const translateSub = (text) => ({
  'Fn::Sub': text.replace(/\$\{([^}]+)\}/g, (_, name) => subVariable(name)),
});

function translateString(value) {
  // A whole value that is the stage (the KMS opt-in tag condition) is the Stage parameter itself.
  if (value === subVar('sls:stage')) return { Ref: 'Stage' };
  const param = /^\$\{param:(\w+)\}$/.exec(value);
  if (param && PARAMS[param[1]]) return { Ref: PARAMS[param[1]] };
  return value.includes('${') ? translateSub(value) : value;
}

/** One intrinsic function (an object with a single Fn::/Ref key), or undefined for a plain object. */
function translateIntrinsic(value, refs) {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys;
  const arg = value[key];
  if (key === 'Fn::Sub' && typeof arg === 'string') return translateSub(arg);
  if (key === 'Ref') {
    if (!refs.has(arg)) throw new MemberTemplateError(`Ref ${arg} has no member-account equivalent`);
    return value;
  }
  if (key === 'Fn::GetAtt') throw new MemberTemplateError(`Fn::GetAtt ${arg.join('.')} is a hub resource`);
  if (key === 'Fn::If') {
    const [condition, ...branches] = arg;
    if (!refs.has(`condition:${condition}`)) throw new MemberTemplateError(`unknown condition ${condition}`);
    return { 'Fn::If': [condition, ...branches.map((branch) => translate(branch, refs))] };
  }
  return undefined;
}

/**
 * Translates a hub value into the member stack: `${sls:stage}` becomes the Stage parameter, known stage
 * params become parameters, Refs must name something the member stack has. Anything else (a GetAtt, an
 * unknown param, a file) throws, so a hub change the member stack cannot express fails the generation.
 */
function translate(value, refs) {
  if (Array.isArray(value)) return value.map((item) => translate(item, refs));
  if (typeof value === 'string') return translateString(value);
  if (value === null || typeof value !== 'object') return value;
  return (
    translateIntrinsic(value, refs) ??
    Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translate(v, refs)]))
  );
}

const actionsOf = (statement) => [statement.Action].flat();
const serviceOf = (action) => action.split(':')[0];

/** KMS is regional: a member role may use keys in the KeyRegions it is given (the stack's region by default). */
function regionalKms(statement) {
  const actions = actionsOf(statement);
  const text = JSON.stringify(statement.Resource);
  if (!actions.some((action) => serviceOf(action) === 'kms')) {
    if (text.includes('AWS::Region')) {
      throw new MemberTemplateError(`statement ${statement.Sid} pins a region outside KMS`);
    }
    return statement;
  }
  const anyRegion = (resource) =>
    typeof resource === 'object' && typeof resource['Fn::Sub'] === 'string'
      ? { 'Fn::Sub': resource['Fn::Sub'].replace(`:kms:${subVar('AWS::Region')}:`, ':kms:*:') }
      : resource;
  const resource = Array.isArray(statement.Resource)
    ? statement.Resource.map(anyRegion)
    : anyRegion(statement.Resource);
  const condition = statement.Condition ?? {};
  return {
    ...statement,
    Resource: resource,
    Condition: {
      ...condition,
      StringEquals: {
        ...(condition.StringEquals ?? {}),
        'aws:RequestedRegion': {
          'Fn::If': ['HasKeyRegions', { Ref: 'KeyRegions' }, [{ Ref: 'AWS::Region' }]],
        },
      },
    },
  };
}

/** The statements of a hub role that act on the target account, translated into the member account. */
function memberStatements(hubResources, fn, refs) {
  const role = hubResources[hubRoleId(fn)];
  if (role?.Type !== 'AWS::IAM::Role')
    throw new MemberTemplateError(`serverless.yml has no ${hubRoleId(fn)}`);
  const statements = (role.Properties.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement);
  const kept = statements.filter((statement) => {
    const services = new Set(actionsOf(statement).map(serviceOf));
    const target = [...services].filter((service) => TARGET_SERVICES.has(service));
    if (target.length > 0 && target.length < services.size) {
      throw new MemberTemplateError(
        `${hubRoleId(fn)} statement ${statement.Sid} mixes target and hub services`,
      );
    }
    return target.length > 0;
  });
  if (kept.length === 0)
    throw new MemberTemplateError(`${hubRoleId(fn)} has nothing to do in a member account`);
  return kept.map((statement) => regionalKms(translate(statement, refs)));
}

/**
 * The role session name each hub function assumes its member role with (src/domain/accounts.ts:
 * roleSessionName, INDEX_REFRESH_SESSION and memberSessionNamePattern, which must give the same
 * patterns; test/security/escalation.test.ts checks it), so the member account's CloudTrail names the
 * request, the Slack user or the index refresh behind every call.
 */
const SESSION_NAME_PATTERNS = {
  slack: 'slack-*',
  plan: 'REQ-*-plan',
  apply: 'REQ-*-apply',
  rollback: 'REQ-*-rollback',
  verify: 'REQ-*-verify',
  refreshUserIndex: 'index-refresh',
};

/**
 * The trust of a member role: only the hub role of the same function, only under the session name that
 * function uses, and from the organization when set.
 */
function memberTrust(fn) {
  const sessionName = SESSION_NAME_PATTERNS[fn];
  if (sessionName === undefined) throw new MemberTemplateError(`no session name pattern for ${fn}`);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'HubFunctionRoleOnly',
        Effect: 'Allow',
        Principal: {
          AWS: { 'Fn::Sub': `arn:${subVar('AWS::Partition')}:iam::${subVar('HubAccountId')}:root` },
        },
        Action: 'sts:AssumeRole',
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:iam::\${HubAccountId}:role${HUB_ROLE_PATH}codebuild-access-\${Stage}-${fn}`,
            },
          },
          StringLike: { 'sts:RoleSessionName': sessionName },
          StringEquals: {
            'Fn::If': [
              'HasOrganizationId',
              { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
              { Ref: 'AWS::NoValue' },
            ],
          },
        },
      },
    ],
  };
}

const PARAMETERS = {
  HubAccountId: {
    Type: 'String',
    AllowedPattern: '^\\d{12}$',
    ConstraintDescription: 'the 12-digit id of the account the bot is deployed in',
    Description:
      'The account the bot (serverless.yml) is deployed in: only its function roles may assume the member roles',
  },
  Stage: {
    Type: 'String',
    Default: 'dev',
    AllowedPattern: '^[a-zA-Z0-9-]{1,16}$',
    Description:
      'The hub stage (serverless --stage): names the policies and roles, and which hub roles are trusted',
  },
  OrganizationId: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(o-[a-z0-9]{10,32})?$',
    Description:
      'Optional: the AWS Organizations id (o-xxxxxxxxxx); when set, the trust also requires aws:PrincipalOrgID',
  },
  PermissionsBoundaryArn: {
    Type: 'String',
    Default: '',
    AllowedPattern: '^(arn:aws[a-z-]*:iam::\\d{12}:policy/.+)?$',
    Description:
      "Optional: a managed policy ARN the bot's service roles get as permissions boundary instead of this stack's CodeBuildServiceRoleBoundary-<Stage> (the hub's permissionsBoundaryArn)",
  },
  KeyRegions: {
    Type: 'CommaDelimitedList',
    Default: '',
    Description:
      'Optional: the regions whose KMS keys the bot may use in this account (e.g. us-east-1,eu-west-1); empty: the region of this stack. Keys still need the tag codebuild-access=<Stage> (e.g. codebuild-access=prod for Stage prod) or to have been created by the bot',
  },
};

const CONDITIONS = {
  HasPermissionsBoundary: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PermissionsBoundaryArn' }, ''] }] },
  HasOrganizationId: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OrganizationId' }, ''] }] },
  HasKeyRegions: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'KeyRegions' }] }, ''] }] },
};

/** The member template as an object (long-form intrinsics), built from serverless.yml's `resources`. */
function buildMemberTemplate(hub = readServerless().resources) {
  const refs = new Set([
    ...PSEUDO,
    ...Object.keys(PARAMETERS),
    ...COPIED_RESOURCES,
    ...Object.keys(CONDITIONS).map((name) => `condition:${name}`),
  ]);
  const resources = {};
  for (const id of COPIED_RESOURCES) {
    const resource = hub.Resources[id];
    if (!resource) throw new MemberTemplateError(`serverless.yml has no ${id}`);
    resources[id] = translate(resource, refs);
  }
  for (const fn of MEMBER_FUNCTIONS) {
    resources[memberRoleId(fn)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: { 'Fn::Sub': `codebuild-access-\${Stage}-member-${fn}` },
        Description: {
          'Fn::Sub': `codebuild-access (\${Stage}) ${fn}: what the hub's ${fn} function may do in this account, assumed only by that function's role`,
        },
        AssumeRolePolicyDocument: memberTrust(fn),
        Policies: [
          {
            PolicyName: `member-${fn}`,
            PolicyDocument: { Version: '2012-10-17', Statement: memberStatements(hub.Resources, fn, refs) },
          },
        ],
      },
    };
  }
  const outputs = Object.fromEntries(
    MEMBER_FUNCTIONS.map((fn) => [
      `${memberRoleId(fn)}Arn`,
      {
        Description: `The role the hub's ${fn} function assumes here`,
        Value: { 'Fn::GetAtt': [memberRoleId(fn), 'Arn'] },
      },
    ]),
  );
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'codebuild-access member account: the policies, service-role boundary and member roles the hub bot uses here (deploy as a StackSet to an OU, one region per account; see docs/deploy.md)',
    Parameters: PARAMETERS,
    Conditions: CONDITIONS,
    Resources: resources,
    Outputs: outputs,
  };
}

const HEADER = `# GENERATED by scripts/member-template.js from serverless.yml: do not edit by hand.
# Regenerate with \`npm run member-template\`; test/infra/member-template.test.ts fails when this is stale.
# How to roll it out to an OU with StackSets: docs/deploy.md.
`;

/** The text of deploy/member-account.yml. */
function renderMemberTemplate() {
  return (
    HEADER +
    YAML.stringify(buildMemberTemplate(), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })
  );
}

module.exports = {
  buildMemberTemplate,
  renderMemberTemplate,
  readServerless,
  MEMBER_FUNCTIONS,
  SESSION_NAME_PATTERNS,
  TARGET,
  MemberTemplateError,
};

if (require.main === module) {
  const text = renderMemberTemplate();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(TARGET, 'utf8');
    } catch {}
    if (current !== text) {
      console.error('deploy/member-account.yml is out of date: run npm run member-template');
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, text);
    console.log(`wrote ${path.relative(ROOT, TARGET)}`);
  }
}

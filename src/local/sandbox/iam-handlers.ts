/**
 * IAM on the sandbox account, one handler per SDK command, following the IAM API Reference: the same
 * errors (the SDK's own exception classes, with IAM's HTTP status codes and wording), quotas, paging and
 * URL-encoded policy documents that the bot meets in a real account.
 */
import {
  type AttachedPolicy,
  type CreatePolicyCommandInput,
  type CreatePolicyCommandOutput,
  type CreatePolicyVersionCommandInput,
  type CreatePolicyVersionCommandOutput,
  type CreateRoleCommandInput,
  type CreateRoleCommandOutput,
  DeleteConflictException,
  type DeletePolicyCommandInput,
  type DeletePolicyVersionCommandInput,
  type DeleteRoleCommandInput,
  type DeleteRolePermissionsBoundaryCommandInput,
  EntityAlreadyExistsException,
  type EvaluationResult,
  type GetGroupCommandInput,
  type GetGroupCommandOutput,
  type GetPolicyCommandInput,
  type GetPolicyCommandOutput,
  type GetPolicyVersionCommandInput,
  type GetPolicyVersionCommandOutput,
  type GetRoleCommandInput,
  type GetRoleCommandOutput,
  type GetUserCommandInput,
  type GetUserCommandOutput,
  type Group,
  IAMServiceException,
  InvalidInputException,
  LimitExceededException,
  type ListGroupsForUserCommandInput,
  type ListGroupsForUserCommandOutput,
  type ListPoliciesCommandInput,
  type ListPoliciesCommandOutput,
  type ListPolicyVersionsCommandInput,
  type ListPolicyVersionsCommandOutput,
  type ListRolesCommandInput,
  type ListRolesCommandOutput,
  type ListUsersCommandInput,
  type ListUsersCommandOutput,
  type ListUserTagsCommandInput,
  type ListUserTagsCommandOutput,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  type Policy,
  type PolicyVersion,
  type PutRolePermissionsBoundaryCommandInput,
  type Role,
  type SetDefaultPolicyVersionCommandInput,
  type SimulatePrincipalPolicyCommandInput,
  type SimulatePrincipalPolicyCommandOutput,
  type Tag,
  type UpdateAssumeRolePolicyCommandInput,
  type User,
} from '@aws-sdk/client-iam';
import { INLINE_QUOTAS, inlinePolicySize } from '../../domain/policy-size';
import type { PolicyDocument } from '../../domain/seed-policies';
import type {
  SandboxAccount,
  SandboxGroup,
  SandboxManagedPolicy,
  SandboxPolicyVersion,
  SandboxRole,
  SandboxUser,
} from './account';
import { evaluateActions, loadManagedPolicyDocument, PolicyEvaluationInputError } from './evaluate';
import {
  awsError,
  handle,
  iamPage,
  type Result,
  responseMetadata,
  rfc3986Encode,
  type SandboxHandlers,
  SandboxNotImplementedError,
} from './handler-kit';
import { policyProblem, principalValues } from './policy-validation';

type Kind = 'user' | 'group' | 'role';
interface Holders {
  user: SandboxUser;
  group: SandboxGroup;
  role: SandboxRole;
}
type Holder = Holders[Kind];

// --- Errors, with the HTTP status codes IAM sends for them ---

const noSuchEntity = (message: string) => awsError(NoSuchEntityException, 404, message);
const invalidInput = (message: string) => awsError(InvalidInputException, 400, message);
const malformed = (message: string) => awsError(MalformedPolicyDocumentException, 400, message);
const limitExceeded = (message: string) => awsError(LimitExceededException, 409, message);
const deleteConflict = (message: string) => awsError(DeleteConflictException, 409, message);
const alreadyExists = (message: string) => awsError(EntityAlreadyExistsException, 409, message);

// Input that breaks a modelled constraint is refused before IAM looks at anything: code ValidationError,
// which the SDK has no class for, so it arrives as the service's base exception with that name.
const validationError = (message: string) =>
  new IAMServiceException({
    name: 'ValidationError',
    $fault: 'client',
    message,
    $metadata: responseMetadata(400),
  });

// --- Input validation, as IAM's API model constrains it ---

const NAME = /^[\w+=,.@-]+$/;
const NAME_MAX: Record<Kind | 'policy', number> = { user: 64, group: 128, role: 64, policy: 128 };
const FIELD: Record<Kind | 'policy', string> = {
  user: 'userName',
  group: 'groupName',
  role: 'roleName',
  policy: 'policyName',
};
const PATH = /^(\/|\/[\x21-\x7e]+\/)$/;
// IAM's pattern for policy text: tab, LF, CR and printable Latin-1 (U+0020-U+00FF).
const POLICY_CHARS = /^[\t\n\r\u0020-\u00ff]+$/;
const POLICY_ARN = /^arn:[\w-]+:iam::(aws|\d{12}):policy\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]+$/;
const TRUST_POLICY_QUOTA = 2048;
const MANAGED_POLICY_QUOTA = 10;

/**
 * What differs between users, groups and roles for the policy operations they share: where IAM keeps
 * them, what the API calls them, how IAM says one is missing, and the quota name of their attachments.
 * Every shared operation below is written once against this table.
 */
interface PrincipalKind<H extends Holder> {
  /** `User`, as in AttachUserPolicy and ListAttachedUserPolicies. */
  noun: 'User' | 'Group' | 'Role';
  /** The input (and GetXPolicy output) member that names the principal. */
  nameMember: 'UserName' | 'GroupName' | 'RoleName';
  find(account: SandboxAccount, name: string): H | undefined;
  notFound(name: string): string;
  quotaName: string;
}

const PRINCIPAL_KINDS: { [K in Kind]: PrincipalKind<Holders[K]> } = {
  user: {
    noun: 'User',
    nameMember: 'UserName',
    find: (account, name) => account.findUser(name),
    notFound: (name) => `The user with name ${name} cannot be found.`,
    quotaName: 'PoliciesPerUser',
  },
  group: {
    noun: 'Group',
    nameMember: 'GroupName',
    find: (account, name) => account.findGroup(name),
    notFound: (name) => `The group with name ${name} cannot be found.`,
    quotaName: 'PoliciesPerGroup',
  },
  role: {
    noun: 'Role',
    nameMember: 'RoleName',
    find: (account, name) => account.findRole(name),
    notFound: (name) => `The role with name ${name} cannot be found.`,
    quotaName: 'PoliciesPerRole',
  },
};

const required = <T>(value: T | undefined, field: string): T => {
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const checkName = (kind: Kind | 'policy', value: string | undefined): string => {
  const name = required(value, FIELD[kind]);
  if (name.length < 1 || name.length > NAME_MAX[kind]) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${FIELD[kind]}' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${NAME_MAX[kind]}`,
    );
  }
  if (!NAME.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${FIELD[kind]}' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
    );
  }
  return name;
};

const checkPolicyText = (value: string | undefined, field: string): string => {
  const text = required(value, field);
  if (!POLICY_CHARS.test(text) || text.length > 131072) {
    throw validationError(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    );
  }
  return text;
};

const checkPath = (value: string | undefined): string => {
  const path = value ?? '/';
  if (!PATH.test(path) || path.length > 512) {
    throw validationError(
      `1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  return path;
};

const checkDescription = (value: string | undefined): void => {
  if (value !== undefined && value.length > 1000) {
    throw validationError(
      "1 validation error detected: Value at 'description' failed to satisfy constraint: " +
        'Member must have length less than or equal to 1000',
    );
  }
};

const checkPolicyArn = (value: string | undefined, field = 'policyArn'): string => {
  const arn = required(value, field);
  if (!POLICY_ARN.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
  return arn;
};

// --- Lookups ---

// The user, group or role a request names: its name is checked as IAM's model constrains it first.
const holder = <K extends Kind>(
  account: SandboxAccount,
  kind: K,
  rawName: string | undefined,
): Holders[K] => {
  const name = checkName(kind, rawName);
  const found = PRINCIPAL_KINDS[kind].find(account, name);
  if (!found) throw noSuchEntity(PRINCIPAL_KINDS[kind].notFound(name));
  return found;
};

const findInlineName = (entity: Holder, policyName: string): string | undefined =>
  Object.keys(entity.inlinePolicies).find((name) => name.toLowerCase() === policyName.toLowerCase());

const policyNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

// --- Shapes IAM returns ---

const toDate = (iso: string): Date => new Date(iso);

const tagList = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

const userShape = (user: SandboxUser): User => ({
  Path: user.path,
  UserName: user.name,
  UserId: user.id,
  Arn: user.arn,
  CreateDate: toDate(user.createDate),
});

const groupShape = (group: SandboxGroup): Group => ({
  Path: group.path,
  GroupName: group.name,
  GroupId: group.id,
  Arn: group.arn,
  CreateDate: toDate(group.createDate),
});

// IAM returns the trust policy URL-encoded (RFC 3986) in every Role structure.
const roleShape = (role: SandboxRole): Role => ({
  Path: role.path,
  RoleName: role.name,
  RoleId: role.id,
  Arn: role.arn,
  CreateDate: toDate(role.createDate),
  AssumeRolePolicyDocument: rfc3986Encode(role.assumeRolePolicyDocument),
  MaxSessionDuration: role.maxSessionDuration,
  ...(role.description !== undefined ? { Description: role.description } : {}),
  ...(role.permissionsBoundary !== undefined
    ? {
        PermissionsBoundary: {
          PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
          PermissionsBoundaryArn: role.permissionsBoundary,
        },
      }
    : {}),
  ...(Object.keys(role.tags).length > 0 ? { Tags: tagList(role.tags) } : {}),
});

// --- Policies of users, groups and roles: one implementation, one handler per kind and command ---

/** The members of every Attach/Detach/Put/Get/List/Delete X Policy input the sandbox reads. */
type PrincipalPolicyInput = Partial<Record<PrincipalKind<Holder>['nameMember'], string>> & {
  PolicyArn?: string | undefined;
  PolicyName?: string | undefined;
  PolicyDocument?: string | undefined;
  PathPrefix?: string | undefined;
  Marker?: string | undefined;
  MaxItems?: number | undefined;
};

type PrincipalOperation = (account: SandboxAccount, kind: Kind, input: PrincipalPolicyInput) => object;

const nameIn = (kind: Kind, input: PrincipalPolicyInput): string | undefined =>
  input[PRINCIPAL_KINDS[kind].nameMember];

const attach: PrincipalOperation = (account, kind, input) => {
  checkName(kind, nameIn(kind, input));
  const arn = checkPolicyArn(input.PolicyArn);
  const entity = holder(account, kind, nameIn(kind, input));
  if (!account.managedPolicyExists(arn))
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  // Attaching an attached policy succeeds and changes nothing.
  if (entity.attachedPolicyArns.includes(arn)) return {};
  if (entity.attachedPolicyArns.length >= MANAGED_POLICY_QUOTA) {
    throw limitExceeded(
      `Cannot exceed quota for ${PRINCIPAL_KINDS[kind].quotaName}: ${MANAGED_POLICY_QUOTA}`,
    );
  }
  entity.attachedPolicyArns.push(arn);
  account.changed();
  return {};
};

const detach: PrincipalOperation = (account, kind, input) => {
  checkName(kind, nameIn(kind, input));
  const arn = checkPolicyArn(input.PolicyArn);
  const entity = holder(account, kind, nameIn(kind, input));
  const index = entity.attachedPolicyArns.indexOf(arn);
  if (index < 0) throw noSuchEntity(`Policy ${arn} was not found.`);
  entity.attachedPolicyArns.splice(index, 1);
  account.changed();
  return {};
};

const listAttached: PrincipalOperation = (account, kind, input) => {
  const entity = holder(account, kind, nameIn(kind, input));
  const prefix = input.PathPrefix ?? '/';
  const policies: AttachedPolicy[] = entity.attachedPolicyArns
    .filter((arn) => arn.slice(arn.indexOf(':policy') + ':policy'.length).startsWith(prefix))
    .map((arn) => ({ PolicyName: policyNameOf(arn), PolicyArn: arn }));
  const page = iamPage(policies, input, validationError);
  return { AttachedPolicies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};

const putInline: PrincipalOperation = (account, kind, input) => {
  checkName(kind, nameIn(kind, input));
  const policyName = checkName('policy', input.PolicyName);
  const document = checkPolicyText(input.PolicyDocument, 'policyDocument');
  const entity = holder(account, kind, nameIn(kind, input));
  const problem = policyProblem('identity', document);
  if (problem) throw malformed(problem);
  // The quota covers all inline policies of the identity together; a put replaces a policy of the same name.
  const replaced = findInlineName(entity, policyName);
  const others = Object.entries(entity.inlinePolicies).filter(([existing]) => existing !== replaced);
  const total = others.reduce((sum, [, text]) => sum + inlinePolicySize(text), inlinePolicySize(document));
  if (total > INLINE_QUOTAS[kind]) {
    throw limitExceeded(
      `Maximum policy size of ${INLINE_QUOTAS[kind]} bytes exceeded for ${kind} ${entity.name}`,
    );
  }
  if (replaced !== undefined) delete entity.inlinePolicies[replaced];
  entity.inlinePolicies[policyName] = document;
  account.changed();
  return {};
};

const getInline: PrincipalOperation = (account, kind, input) => {
  const entity = holder(account, kind, nameIn(kind, input));
  const policyName = checkName('policy', input.PolicyName);
  const stored = findInlineName(entity, policyName);
  const document = stored === undefined ? undefined : entity.inlinePolicies[stored];
  if (stored === undefined || document === undefined) {
    throw noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
  }
  // IAM returns policy documents URL-encoded (RFC 3986); callers must decode before JSON.parse.
  return {
    [PRINCIPAL_KINDS[kind].nameMember]: entity.name,
    PolicyName: stored,
    PolicyDocument: rfc3986Encode(document),
  };
};

const listInline: PrincipalOperation = (account, kind, input) => {
  const entity = holder(account, kind, nameIn(kind, input));
  const page = iamPage(Object.keys(entity.inlinePolicies), input, validationError);
  return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};

const deleteInline: PrincipalOperation = (account, kind, input) => {
  const entity = holder(account, kind, nameIn(kind, input));
  const policyName = checkName('policy', input.PolicyName);
  const stored = findInlineName(entity, policyName);
  if (stored === undefined) throw noSuchEntity(`The ${kind} policy with name ${policyName} cannot be found.`);
  delete entity.inlinePolicies[stored];
  account.changed();
  return {};
};

// SDK command name, with `X` standing for User, Group or Role -> the operation behind it.
const PRINCIPAL_OPERATIONS: ReadonlyArray<[string, PrincipalOperation]> = [
  ['AttachXPolicyCommand', attach],
  ['DetachXPolicyCommand', detach],
  ['ListAttachedXPoliciesCommand', listAttached],
  ['PutXPolicyCommand', putInline],
  ['GetXPolicyCommand', getInline],
  ['ListXPoliciesCommand', listInline],
  ['DeleteXPolicyCommand', deleteInline],
];

/** The 21 policy commands of users, groups and roles (AttachUserPolicy ... DeleteRolePolicy). */
const principalPolicyHandlers: SandboxHandlers = Object.fromEntries(
  (Object.keys(PRINCIPAL_KINDS) as Kind[]).flatMap((kind) =>
    PRINCIPAL_OPERATIONS.map(([command, operation]) => [
      command.replace('X', PRINCIPAL_KINDS[kind].noun),
      handle((input: PrincipalPolicyInput, account) => operation(account, kind, input)),
    ]),
  ),
);

// --- Customer managed policies ---

// IAM quotas: a managed policy holds at most 6,144 non-whitespace characters and 5 versions.
const MANAGED_POLICY_SIZE_QUOTA = 6144;
const POLICY_VERSIONS_QUOTA = 5;
const POLICY_VERSION_ID = /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/;
const POLICY_SCOPES = ['All', 'AWS', 'Local'];

const checkVersionId = (value: string | undefined): string => {
  const versionId = required(value, 'versionId');
  if (!POLICY_VERSION_ID.test(versionId)) {
    throw validationError(
      `1 validation error detected: Value '${versionId}' at 'versionId' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
    );
  }
  return versionId;
};

// The same grammar as an inline policy, against the managed policy size quota.
const checkManagedDocument = (value: string | undefined): string => {
  const document = checkPolicyText(value, 'policyDocument');
  const problem = policyProblem('identity', document);
  if (problem) throw malformed(problem);
  if (inlinePolicySize(document) > MANAGED_POLICY_SIZE_QUOTA) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_SIZE_QUOTA}`);
  }
  return document;
};

const notFoundPolicy = (arn: string) => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);

// Only this account's policies can be read, versioned or deleted; AWS managed ones are known by ARN only.
const customerPolicy = (account: SandboxAccount, value: string | undefined): SandboxManagedPolicy => {
  const arn = checkPolicyArn(value);
  const policy = account.findPolicyByArn(arn);
  if (policy) return policy;
  if (account.isKnownManagedPolicy(arn)) {
    throw new SandboxNotImplementedError(
      `The sandbox knows AWS managed policy ${arn} by ARN only: it has no versions or documents for it.`,
    );
  }
  throw notFoundPolicy(arn);
};

const policyVersion = (policy: SandboxManagedPolicy, value: string | undefined): SandboxPolicyVersion => {
  const versionId = checkVersionId(value);
  const version = policy.versions.find((candidate) => candidate.versionId === versionId);
  if (!version) {
    throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  }
  return version;
};

// UpdateDate is the creation of the newest version (IAM API Reference: Policy).
const policyUpdateDate = (policy: SandboxManagedPolicy): string =>
  [policy.createDate, ...policy.versions.map((version) => version.createDate)].sort().at(-1) ??
  policy.createDate;

// IAM returns the description and tags from GetPolicy (and tags from CreatePolicy) only.
const policyShape = (
  account: SandboxAccount,
  policy: SandboxManagedPolicy,
  extra: { description?: boolean; tags?: boolean } = {},
): Policy => ({
  PolicyName: policy.name,
  PolicyId: policy.id,
  Arn: policy.arn,
  Path: policy.path,
  DefaultVersionId: policy.defaultVersionId,
  AttachmentCount: account.attachmentCount(policy.arn),
  PermissionsBoundaryUsageCount: account.boundaryUsageCount(policy.arn),
  IsAttachable: true,
  CreateDate: toDate(policy.createDate),
  UpdateDate: toDate(policyUpdateDate(policy)),
  ...(extra.description && policy.description !== undefined ? { Description: policy.description } : {}),
  ...(extra.tags && Object.keys(policy.tags).length > 0 ? { Tags: tagList(policy.tags) } : {}),
});

// The sandbox has no catalogue metadata for AWS managed policies (ids, versions, dates), only what it can
// vouch for.
const awsPolicyShape = (account: SandboxAccount, arn: string): Policy => ({
  PolicyName: policyNameOf(arn),
  Arn: arn,
  Path: arn.slice(arn.indexOf(':policy') + ':policy'.length, arn.lastIndexOf('/') + 1),
  AttachmentCount: account.attachmentCount(arn),
  PermissionsBoundaryUsageCount: account.boundaryUsageCount(arn),
  IsAttachable: true,
});

// IAM returns the document (URL-encoded) from GetPolicyVersion only, not from Create or List.
const versionShape = (
  policy: SandboxManagedPolicy,
  version: SandboxPolicyVersion,
  withDocument: boolean,
): PolicyVersion => ({
  VersionId: version.versionId,
  IsDefaultVersion: version.versionId === policy.defaultVersionId,
  CreateDate: toDate(version.createDate),
  ...(withDocument ? { Document: rfc3986Encode(version.document) } : {}),
});

/** IAM CreatePolicy on the sandbox account. */
export const createPolicy = (
  account: SandboxAccount,
  input: CreatePolicyCommandInput,
): Result<CreatePolicyCommandOutput> => {
  const name = checkName('policy', input.PolicyName);
  const path = checkPath(input.Path);
  checkDescription(input.Description);
  const document = checkManagedDocument(input.PolicyDocument);
  if (account.findPolicy(name)) {
    throw alreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
  }
  const now = account.now();
  const policy: SandboxManagedPolicy = {
    name,
    path,
    arn: account.policyArn(path, name),
    id: account.newUniqueId('ANPA'),
    createDate: now,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document, createDate: now }],
    nextVersionNumber: 2,
    tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
  };
  account.addPolicy(policy);
  return { Policy: policyShape(account, policy, { tags: true }) };
};

/** IAM CreatePolicyVersion on the sandbox account. */
export const createPolicyVersion = (
  account: SandboxAccount,
  input: CreatePolicyVersionCommandInput,
): Result<CreatePolicyVersionCommandOutput> => {
  const policy = customerPolicy(account, input.PolicyArn);
  const document = checkManagedDocument(input.PolicyDocument);
  if (policy.versions.length >= POLICY_VERSIONS_QUOTA) {
    throw limitExceeded(
      `A managed policy can have up to ${POLICY_VERSIONS_QUOTA} versions. Before you create a new version, ` +
        'you must delete an existing version.',
    );
  }
  const version = { versionId: `v${policy.nextVersionNumber}`, document, createDate: account.now() };
  policy.versions.push(version);
  policy.nextVersionNumber += 1;
  if (input.SetAsDefault) policy.defaultVersionId = version.versionId;
  account.changed();
  return { PolicyVersion: versionShape(policy, version, false) };
};

/** IAM DeletePolicyVersion on the sandbox account: any version but the default one. */
export const deletePolicyVersion = (account: SandboxAccount, input: DeletePolicyVersionCommandInput) => {
  const policy = customerPolicy(account, input.PolicyArn);
  const version = policyVersion(policy, input.VersionId);
  if (version.versionId === policy.defaultVersionId) {
    throw deleteConflict('Cannot delete the default version of a policy.');
  }
  policy.versions = policy.versions.filter((candidate) => candidate !== version);
  account.changed();
  return {};
};

// IAM refuses to delete a policy that is attached or used as a boundary, or that has other versions.
const deletePolicy = (account: SandboxAccount, input: DeletePolicyCommandInput) => {
  const policy = customerPolicy(account, input.PolicyArn);
  if (account.attachmentCount(policy.arn) > 0 || account.boundaryUsageCount(policy.arn) > 0) {
    throw deleteConflict('Cannot delete a policy attached to entities.');
  }
  if (policy.versions.length > 1) {
    throw deleteConflict(
      "This policy has more than one version. Before you delete a policy, you must delete the policy's " +
        'versions. The default version is deleted with the policy.',
    );
  }
  account.removePolicy(policy.name);
  return {};
};

const listPolicies = (
  account: SandboxAccount,
  input: ListPoliciesCommandInput,
): Result<ListPoliciesCommandOutput> => {
  const scope = input.Scope ?? 'All';
  if (!POLICY_SCOPES.includes(scope)) {
    throw validationError(
      `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [All, AWS, Local]',
    );
  }
  if (input.PolicyUsageFilter !== undefined) {
    throw new SandboxNotImplementedError('The sandbox does not model ListPolicies PolicyUsageFilter.');
  }
  const prefix = input.PathPrefix ?? '/';
  const local = scope === 'AWS' ? [] : [...account.policies.values()].map((p) => policyShape(account, p));
  const aws =
    scope === 'Local' ? [] : account.knownManagedPolicyArns().map((arn) => awsPolicyShape(account, arn));
  const policies = [...local, ...aws]
    .filter((policy) => (policy.Path ?? '/').startsWith(prefix))
    .filter((policy) => !input.OnlyAttached || (policy.AttachmentCount ?? 0) > 0)
    .sort((a, b) => (a.PolicyName ?? '').localeCompare(b.PolicyName ?? ''));
  const page = iamPage(policies, input, validationError);
  return { Policies: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};

const managedPolicyHandlers: SandboxHandlers = {
  CreatePolicyCommand: handle((input: CreatePolicyCommandInput, account) => createPolicy(account, input)),
  GetPolicyCommand: handle((input: GetPolicyCommandInput, account): Result<GetPolicyCommandOutput> => {
    const arn = checkPolicyArn(input.PolicyArn);
    const policy = account.findPolicyByArn(arn);
    if (policy) return { Policy: policyShape(account, policy, { description: true, tags: true }) };
    if (account.isKnownManagedPolicy(arn)) return { Policy: awsPolicyShape(account, arn) };
    throw notFoundPolicy(arn);
  }),
  ListPoliciesCommand: handle((input: ListPoliciesCommandInput, account) => listPolicies(account, input)),
  DeletePolicyCommand: handle((input: DeletePolicyCommandInput, account) => deletePolicy(account, input)),

  CreatePolicyVersionCommand: handle((input: CreatePolicyVersionCommandInput, account) =>
    createPolicyVersion(account, input),
  ),
  GetPolicyVersionCommand: handle(
    (input: GetPolicyVersionCommandInput, account): Result<GetPolicyVersionCommandOutput> => {
      const policy = customerPolicy(account, input.PolicyArn);
      return { PolicyVersion: versionShape(policy, policyVersion(policy, input.VersionId), true) };
    },
  ),
  ListPolicyVersionsCommand: handle(
    (input: ListPolicyVersionsCommandInput, account): Result<ListPolicyVersionsCommandOutput> => {
      const policy = customerPolicy(account, input.PolicyArn);
      // Newest first, as IAM lists them.
      const versions = [...policy.versions].reverse().map((version) => versionShape(policy, version, false));
      const page = iamPage(versions, input, validationError);
      return { Versions: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  ),
  DeletePolicyVersionCommand: handle((input: DeletePolicyVersionCommandInput, account) =>
    deletePolicyVersion(account, input),
  ),
  SetDefaultPolicyVersionCommand: handle((input: SetDefaultPolicyVersionCommandInput, account) => {
    const policy = customerPolicy(account, input.PolicyArn);
    const version = policyVersion(policy, input.VersionId);
    if (policy.defaultVersionId !== version.versionId) {
      policy.defaultVersionId = version.versionId;
      account.changed();
    }
    return {};
  }),
};

// --- Roles ---

// IAM refuses a trust policy that names a principal it cannot resolve.
const checkTrustPolicy = (account: SandboxAccount, document: string): void => {
  const problem = policyProblem('trust', document);
  if (problem) throw malformed(problem);
  if (inlinePolicySize(document) > TRUST_POLICY_QUOTA) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`);
  }
  for (const principal of principalValues(document, 'AWS')) {
    if (!account.principalExists(principal)) {
      throw malformed(`Invalid principal in policy: "AWS":"${principal}"`);
    }
  }
};

const createRole = (
  account: SandboxAccount,
  input: CreateRoleCommandInput,
): Result<CreateRoleCommandOutput> => {
  const name = checkName('role', input.RoleName);
  const path = checkPath(input.Path);
  const document = checkPolicyText(input.AssumeRolePolicyDocument, 'assumeRolePolicyDocument');
  const maxSessionDuration = input.MaxSessionDuration ?? 3600;
  if (maxSessionDuration < 3600 || maxSessionDuration > 43200) {
    throw validationError(
      `1 validation error detected: Value '${maxSessionDuration}' at 'maxSessionDuration' failed to satisfy ` +
        'constraint: Member must have value between 3600 and 43200',
    );
  }
  checkDescription(input.Description);
  if (account.findRole(name)) throw alreadyExists(`Role with name ${name} already exists.`);
  checkTrustPolicy(account, document);
  if (input.PermissionsBoundary !== undefined) checkBoundary(account, input.PermissionsBoundary);
  const role: SandboxRole = {
    name,
    path,
    arn: account.principalArn('role', path, name),
    id: account.newUniqueId('AROA'),
    createDate: account.now(),
    assumeRolePolicyDocument: document,
    maxSessionDuration,
    tags: Object.fromEntries((input.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    attachedPolicyArns: [],
    inlinePolicies: {},
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.PermissionsBoundary !== undefined ? { permissionsBoundary: input.PermissionsBoundary } : {}),
  };
  account.addRole(role);
  return { Role: roleShape(role) };
};

// A boundary is a managed policy, AWS's or the account's own; IAM refuses one it cannot find.
const checkBoundary = (account: SandboxAccount, value: string | undefined): string => {
  const arn = checkPolicyArn(value, 'permissionsBoundary');
  if (!account.managedPolicyExists(arn)) {
    throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
  }
  return arn;
};

// IAM deletes a role with its boundary: only policies must go first (IAM API Reference: DeleteRole).
const deleteRole = (account: SandboxAccount, input: DeleteRoleCommandInput) => {
  const role = holder(account, 'role', input.RoleName);
  if (role.attachedPolicyArns.length > 0) {
    throw deleteConflict('Cannot delete entity, must detach all policies first.');
  }
  if (Object.keys(role.inlinePolicies).length > 0) {
    throw deleteConflict('Cannot delete entity, must delete policies first.');
  }
  account.removeRole(role.name);
  return {};
};

// --- SimulatePrincipalPolicy ---

const parseDocument = (text: string): PolicyDocument => JSON.parse(text) as PolicyDocument;

const managedDocument = async (account: SandboxAccount, arn: string): Promise<PolicyDocument> => {
  const policy = account.findPolicyByArn(arn);
  return policy ? parseDocument(account.defaultVersion(policy).document) : loadManagedPolicyDocument(arn);
};

type SimulatedPrincipal = NonNullable<ReturnType<SandboxAccount['findPrincipalByArn']>>;

const simulatedPrincipal = (account: SandboxAccount, sourceArn: string): SimulatedPrincipal => {
  if (!/^arn:[\w-]+:iam::\d{12}:(user|group|role)\//.test(sourceArn)) {
    throw invalidInput(`Invalid ARN ${sourceArn}: must be an IAM user, group or role.`);
  }
  const found = account.findPrincipalByArn(sourceArn);
  if (!found) throw noSuchEntity(`Entity ${sourceArn} does not exist.`);
  return found;
};

// The principal's identity policies: AWS managed ones by ARN, every other one as a document.
const identityPolicies = (
  account: SandboxAccount,
  found: SimulatedPrincipal,
  input: SimulatePrincipalPolicyCommandInput,
) => {
  // A user's effective identity policies include those of every group it belongs to.
  const holders: Holder[] =
    found.kind === 'user' ? [found.entity, ...account.groupsOf(found.entity.name)] : [found.entity];
  const attached = [...new Set(holders.flatMap((entity) => entity.attachedPolicyArns))];
  // A customer managed policy counts with its default version, like an inline policy.
  const customer = attached.flatMap((arn) => {
    const policy = account.findPolicyByArn(arn);
    return policy ? [parseDocument(account.defaultVersion(policy).document)] : [];
  });
  return {
    managedPolicyArns: attached.filter((arn) => account.findPolicyByArn(arn) === undefined),
    inlineDocuments: [
      ...customer,
      ...holders.flatMap((entity) => Object.values(entity.inlinePolicies).map(parseDocument)),
      ...(input.PolicyInputList ?? []).map(parseDocument),
    ],
  };
};

// A boundary given in the request replaces the role's own, as IAM documents.
const boundaryDocuments = async (
  account: SandboxAccount,
  found: SimulatedPrincipal,
  input: SimulatePrincipalPolicyCommandInput,
): Promise<PolicyDocument[]> => {
  const given = (input.PermissionsBoundaryPolicyInputList ?? []).map(parseDocument);
  if (given.length > 0 || found.kind !== 'role' || !found.entity.permissionsBoundary) return given;
  return [await managedDocument(account, found.entity.permissionsBoundary)];
};

const contextOf = (input: SimulatePrincipalPolicyCommandInput): Record<string, string | string[]> =>
  Object.fromEntries(
    (input.ContextEntries ?? []).flatMap((entry) => {
      const values = entry.ContextKeyValues ?? [];
      return entry.ContextKeyName
        ? [[entry.ContextKeyName, values.length === 1 ? (values[0] ?? '') : values]]
        : [];
    }),
  );

const simulate = async (
  account: SandboxAccount,
  input: SimulatePrincipalPolicyCommandInput,
): Promise<Result<SimulatePrincipalPolicyCommandOutput>> => {
  const sourceArn = required(input.PolicySourceArn, 'policySourceArn');
  const actions = required(input.ActionNames, 'actionNames');
  const found = simulatedPrincipal(account, sourceArn);
  const evaluation = {
    principalArn: sourceArn,
    ...identityPolicies(account, found, input),
    permissionBoundaryDocuments: await boundaryDocuments(account, found, input),
    actions,
    context: contextOf(input),
  };
  const results: EvaluationResult[] = [];
  try {
    for (const resource of input.ResourceArns?.length ? input.ResourceArns : ['*']) {
      const decisions = await evaluateActions({ ...evaluation, resource });
      results.push(
        ...decisions.map(({ action, decision }) => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: decision,
          MatchedStatements: [],
          MissingContextValues: [],
        })),
      );
    }
  } catch (error) {
    if (error instanceof PolicyEvaluationInputError) throw invalidInput(error.message);
    throw error;
  }
  const page = iamPage(results, input, validationError);
  return { EvaluationResults: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};

// --- The table ---

/** IAM commands the sandbox answers, keyed by SDK command name. */
export const iamHandlers: SandboxHandlers = {
  ...managedPolicyHandlers,
  ...principalPolicyHandlers,

  GetUserCommand: handle((input: GetUserCommandInput, account): Result<GetUserCommandOutput> => {
    // Without a name IAM describes the caller, which the sandbox cannot know.
    if (input.UserName === undefined)
      throw validationError('Must specify userName when calling with non-User credentials');
    const user = holder(account, 'user', input.UserName);
    const tags = tagList(user.tags);
    return { User: { ...userShape(user), ...(tags.length > 0 ? { Tags: tags } : {}) } };
  }),

  ListUsersCommand: handle((input: ListUsersCommandInput, account): Result<ListUsersCommandOutput> => {
    const prefix = input.PathPrefix ?? '/';
    // ListUsers leaves out tags (and other attributes); callers use ListUserTags.
    const users = [...account.users.values()]
      .filter((user) => user.path.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(userShape);
    const page = iamPage(users, input, validationError);
    return { Users: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  }),

  ListUserTagsCommand: handle(
    (input: ListUserTagsCommandInput, account): Result<ListUserTagsCommandOutput> => {
      const user = holder(account, 'user', input.UserName);
      const page = iamPage(tagList(user.tags), input, validationError);
      return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  ),

  GetGroupCommand: handle((input: GetGroupCommandInput, account): Result<GetGroupCommandOutput> => {
    const group = holder(account, 'group', input.GroupName);
    const members = group.members.flatMap((name) => {
      const user = account.findUser(name);
      return user ? [userShape(user)] : [];
    });
    const page = iamPage(members, input, validationError);
    return {
      Group: groupShape(group),
      Users: page.items,
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  }),

  ListGroupsForUserCommand: handle(
    (input: ListGroupsForUserCommandInput, account): Result<ListGroupsForUserCommandOutput> => {
      const user = holder(account, 'user', input.UserName);
      const page = iamPage(account.groupsOf(user.name).map(groupShape), input, validationError);
      return { Groups: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
    },
  ),

  CreateRoleCommand: handle((input: CreateRoleCommandInput, account) => createRole(account, input)),
  GetRoleCommand: handle((input: GetRoleCommandInput, account): Result<GetRoleCommandOutput> => {
    const role = holder(account, 'role', input.RoleName);
    return { Role: { ...roleShape(role), RoleLastUsed: {} } };
  }),
  ListRolesCommand: handle((input: ListRolesCommandInput, account): Result<ListRolesCommandOutput> => {
    const prefix = input.PathPrefix ?? '/';
    const roles = [...account.roles.values()]
      .filter((role) => role.path.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      // ListRoles leaves out PermissionsBoundary, RoleLastUsed and Tags; GetRole returns them.
      .map((role) => {
        const { PermissionsBoundary: _boundary, Tags: _tags, ...listed } = roleShape(role);
        return listed;
      });
    const page = iamPage(roles, input, validationError);
    return { Roles: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  }),
  UpdateAssumeRolePolicyCommand: handle((input: UpdateAssumeRolePolicyCommandInput, account) => {
    const role = holder(account, 'role', input.RoleName);
    const document = checkPolicyText(input.PolicyDocument, 'policyDocument');
    checkTrustPolicy(account, document);
    role.assumeRolePolicyDocument = document;
    account.changed();
    return {};
  }),
  DeleteRoleCommand: handle((input: DeleteRoleCommandInput, account) => deleteRole(account, input)),
  PutRolePermissionsBoundaryCommand: handle((input: PutRolePermissionsBoundaryCommandInput, account) => {
    const role = holder(account, 'role', input.RoleName);
    const boundary = checkBoundary(account, input.PermissionsBoundary);
    if (role.permissionsBoundary !== boundary) {
      role.permissionsBoundary = boundary;
      account.changed();
    }
    return {};
  }),
  // A role without a boundary is left as it is; IAM documents no error for it.
  DeleteRolePermissionsBoundaryCommand: handle(
    (input: DeleteRolePermissionsBoundaryCommandInput, account) => {
      const role = holder(account, 'role', input.RoleName);
      if (role.permissionsBoundary !== undefined) {
        delete role.permissionsBoundary;
        account.changed();
      }
      return {};
    },
  ),

  SimulatePrincipalPolicyCommand: handle((input: SimulatePrincipalPolicyCommandInput, account) =>
    simulate(account, input),
  ),
};

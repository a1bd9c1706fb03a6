/**
 * The sandbox AWS account of local mode: the IAM, KMS and CodeBuild state the bot reads and changes, kept
 * in memory and persisted as JSON. The handlers next to this file implement the AWS APIs on top of it; this
 * file holds data and lookups only, so every AWS rule lives in exactly one handler.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { type Clock, systemClock } from '../../domain/ports';
import { defaultKeyPolicy, partitionForRegion } from '../../domain/seed-policies';
import { ATTACHABLE_POLICY_ARNS } from '../../domain/tiers';

export type SandboxPrincipalKind = 'user' | 'group' | 'role';

interface PolicyHolder {
  /** ARNs of the attached managed policies, in the order they were attached. */
  attachedPolicyArns: string[];
  /** Inline policy name -> document text exactly as it was put (IAM returns it as sent, URL-encoded). */
  inlinePolicies: Record<string, string>;
}

export interface SandboxUser extends PolicyHolder {
  name: string;
  path: string;
  arn: string;
  id: string;
  createDate: string;
  /** Tag key -> value; IAM tag keys are unique per user, so a map loses nothing. */
  tags: Record<string, string>;
}

export interface SandboxGroup extends PolicyHolder {
  name: string;
  path: string;
  arn: string;
  id: string;
  createDate: string;
  /** User names, as IAM stores membership by user. */
  members: string[];
}

export interface SandboxRole extends PolicyHolder {
  name: string;
  path: string;
  arn: string;
  id: string;
  createDate: string;
  /** The trust policy text exactly as it was sent. */
  assumeRolePolicyDocument: string;
  description?: string;
  /** ARN of the managed policy used as the permissions boundary. */
  permissionsBoundary?: string;
  maxSessionDuration: number;
  tags: Record<string, string>;
}

/** One version of a customer managed policy. */
export interface SandboxPolicyVersion {
  /** `v1`, `v2`, ...: IAM numbers versions in creation order and never reuses a number. */
  versionId: string;
  /** The document text exactly as it was sent (IAM returns it URL-encoded). */
  document: string;
  createDate: string;
}

/** A customer managed policy: a policy of this account, attached by ARN and usable as a boundary. */
export interface SandboxManagedPolicy {
  name: string;
  path: string;
  arn: string;
  id: string;
  description?: string;
  createDate: string;
  defaultVersionId: string;
  /** Oldest first; at most five (IAM quota "versions per managed policy"). */
  versions: SandboxPolicyVersion[];
  /** The number the next version gets. */
  nextVersionNumber: number;
  tags: Record<string, string>;
}

export type SandboxKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export interface SandboxKey {
  keyId: string;
  arn: string;
  description: string;
  keyState: SandboxKeyState;
  creationDate: string;
  deletionDate?: string;
  pendingWindowInDays?: number;
  /** The key policy text exactly as it was put: the bot hashes what approvers saw and compares. */
  policy: string;
  /**
   * True once any CreateKey or PutKeyPolicy on this key set BypassPolicyLockoutSafetyCheck. Real KMS allows
   * it; the bot must never do it, and a contract test reads this flag to prove so.
   */
  lockoutCheckBypassed: boolean;
}

export interface SandboxAlias {
  /** `alias/NAME`. */
  name: string;
  keyId: string;
  creationDate: string;
  lastUpdatedDate: string;
}

export interface SandboxOptions {
  clock?: Clock;
  /**
   * How many KMS key-policy checks a role made by CreateRole stays invisible to. Real KMS rejects a key
   * policy that names a role IAM has not propagated yet; this lets tests exercise the bot's retries.
   */
  newRoleKmsVisibilityLag?: number;
}

// The AWS managed policies the sandbox knows: every one the bot may attach, plus the broad ones people
// commonly hold already (so a seed can show a user who has them). Attaching any other ARN under
// arn:aws:iam::aws:policy/ fails with NoSuchEntity, as it does for a policy that does not exist.
const KNOWN_MANAGED_POLICY_NAMES = [
  ...ATTACHABLE_POLICY_ARNS.map((arn) => arn.slice(arn.lastIndexOf('/') + 1)),
  'AdministratorAccess',
  'PowerUserAccess',
  'ReadOnlyAccess',
  'IAMReadOnlyAccess',
  'AmazonS3FullAccess',
  'CloudWatchLogsReadOnlyAccess',
];

// Seeds get stable dates and ids, so the fixture and the state file do not churn between runs.
const SEED_DATE = '2026-01-01T00:00:00.000Z';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const idFrom = (prefix: string, bytes: Buffer): string =>
  prefix + Array.from(bytes.subarray(0, 17), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');

// IAM unique ids start with a type prefix (AIDA user, AGPA group, AROA role) and hold 17 more characters.
const ID_PREFIX: Record<SandboxPrincipalKind, string> = { user: 'AIDA', group: 'AGPA', role: 'AROA' };
const seedId = (prefix: string, name: string): string =>
  idFrom(prefix, createHash('sha256').update(`${prefix}:${name}`).digest());

const documentText = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2)));

const IAM_PATH = /^\/(?:[\x21-\x7e]+\/)?$/;
const pathField = z.string().regex(IAM_PATH).default('/');

const holderFields = {
  attachedPolicyArns: z.array(z.string()).default([]),
  inlinePolicies: z.record(z.string(), documentText).default({}),
};

const userJson = z.object({
  name: z.string(),
  path: pathField,
  arn: z.string().optional(),
  id: z.string().optional(),
  createDate: z.string().default(SEED_DATE),
  tags: z.record(z.string(), z.string()).default({}),
  ...holderFields,
});

const groupJson = z.object({
  name: z.string(),
  path: pathField,
  arn: z.string().optional(),
  id: z.string().optional(),
  createDate: z.string().default(SEED_DATE),
  members: z.array(z.string()).default([]),
  ...holderFields,
});

const roleJson = z.object({
  name: z.string(),
  path: pathField,
  arn: z.string().optional(),
  id: z.string().optional(),
  createDate: z.string().default(SEED_DATE),
  assumeRolePolicyDocument: documentText,
  description: z.string().optional(),
  permissionsBoundary: z.string().optional(),
  maxSessionDuration: z.number().int().default(3600),
  tags: z.record(z.string(), z.string()).default({}),
  ...holderFields,
});

const VERSION_ID = /^v[1-9]\d*$/;

const policyVersionJson = z.object({
  versionId: z.string().regex(VERSION_ID),
  document: documentText,
  createDate: z.string().default(SEED_DATE),
});

// A seed gives `document` (one version, v1); the persisted form spells out `versions`.
const managedPolicyJson = z
  .object({
    name: z.string(),
    path: pathField,
    arn: z.string().optional(),
    id: z.string().optional(),
    description: z.string().optional(),
    createDate: z.string().default(SEED_DATE),
    document: documentText.optional(),
    versions: z.array(policyVersionJson).default([]),
    defaultVersionId: z.string().regex(VERSION_ID).optional(),
    nextVersionNumber: z.number().int().positive().optional(),
    tags: z.record(z.string(), z.string()).default({}),
  })
  .refine((policy) => (policy.document === undefined) !== (policy.versions.length === 0), {
    message: 'A managed policy gives either `document` or `versions`, not both or neither',
  });

// KMS key ids are UUID-shaped, but AWS's own documentation example (1234abcd-12ab-34cd-56ef-...) is not an
// RFC 4122 UUID, so only the shape is checked.
const KEY_ID = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

const keyJson = z.object({
  keyId: KEY_ID,
  arn: z.string().optional(),
  description: z.string().default(''),
  keyState: z.enum(['Enabled', 'Disabled', 'PendingDeletion']).default('Enabled'),
  creationDate: z.string().default(SEED_DATE),
  deletionDate: z.string().optional(),
  pendingWindowInDays: z.number().int().optional(),
  /** Omitted: the default key policy KMS gives a key created without one. */
  policy: documentText.optional(),
  lockoutCheckBypassed: z.boolean().default(false),
});

const aliasJson = z.object({
  name: z.string().regex(/^alias\/[a-zA-Z0-9/_-]+$/),
  keyId: KEY_ID,
  creationDate: z.string().default(SEED_DATE),
  lastUpdatedDate: z.string().optional(),
});

/** The persisted form; a seed may leave out everything that has a default (ARNs, ids, dates, policies). */
export const SandboxAccountJson = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string(),
  users: z.array(userJson).default([]),
  groups: z.array(groupJson).default([]),
  roles: z.array(roleJson).default([]),
  /** Customer managed policies; state files from before they were modelled have none. */
  policies: z.array(managedPolicyJson).default([]),
  kms: z
    .object({ keys: z.array(keyJson).default([]), aliases: z.array(aliasJson).default([]) })
    .default({ keys: [], aliases: [] }),
  codebuild: z.object({ builds: z.array(z.string()).default([]) }).default({ builds: [] }),
});
export type SandboxAccountJson = z.input<typeof SandboxAccountJson>;

// IAM names are unique without regard to case ("Names are not distinguished by case"), so lookups fold case.
const nameKey = (name: string): string => name.toLowerCase();

export class SandboxAccount {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly clock: Clock;
  readonly users = new Map<string, SandboxUser>();
  readonly groups = new Map<string, SandboxGroup>();
  readonly roles = new Map<string, SandboxRole>();
  /** Customer managed policies, by name: IAM keeps policy names unique in the account whatever the path. */
  readonly policies = new Map<string, SandboxManagedPolicy>();
  /** By key id. */
  readonly keys = new Map<string, SandboxKey>();
  /** By alias name (`alias/NAME`); KMS alias names are case-sensitive. */
  readonly aliases = new Map<string, SandboxAlias>();
  builds: string[] = [];
  /** Bumped by every change, so the plug knows when to persist. */
  revision = 0;
  private readonly newRoleKmsVisibilityLag: number;
  // Role ARN -> key-policy checks left before KMS sees the role. Runtime only: never persisted.
  private readonly hiddenFromKms = new Map<string, number>();

  constructor(accountId: string, region: string, options: SandboxOptions = {}) {
    if (!/^\d{12}$/.test(accountId)) throw new RangeError(`Invalid account id: ${accountId}`);
    this.accountId = accountId;
    this.region = region;
    this.partition = partitionForRegion(region).partition;
    this.clock = options.clock ?? systemClock;
    this.newRoleKmsVisibilityLag = options.newRoleKmsVisibilityLag ?? 0;
  }

  /** Builds an account from its persisted form or from a seed (see SandboxAccountJson). */
  static fromJSON(json: unknown, options: SandboxOptions = {}): SandboxAccount {
    const data = SandboxAccountJson.parse(json);
    const account = new SandboxAccount(data.accountId, data.region, options);
    for (const user of data.users) account.users.set(nameKey(user.name), account.identified('user', user));
    for (const group of data.groups)
      account.groups.set(nameKey(group.name), account.identified('group', group));
    for (const role of data.roles) account.roles.set(nameKey(role.name), account.identified('role', role));
    for (const policy of data.policies)
      account.policies.set(nameKey(policy.name), account.managedPolicyFrom(policy));
    for (const key of data.kms.keys) {
      account.keys.set(key.keyId, {
        ...key,
        arn: key.arn ?? account.keyArn(key.keyId),
        policy: key.policy ?? account.defaultKeyPolicyText(),
      });
    }
    for (const alias of data.kms.aliases) {
      account.aliases.set(alias.name, {
        ...alias,
        lastUpdatedDate: alias.lastUpdatedDate ?? alias.creationDate,
      });
    }
    account.builds = [...data.codebuild.builds];
    account.checkReferences();
    return account;
  }

  // A seeded user, group or role gets the ARN its path and name give, and a stable id.
  private identified<
    T extends { name: string; path: string; arn?: string | undefined; id?: string | undefined },
  >(kind: SandboxPrincipalKind, entity: T): T & { arn: string; id: string } {
    return {
      ...entity,
      arn: entity.arn ?? this.principalArn(kind, entity.path, entity.name),
      id: entity.id ?? seedId(ID_PREFIX[kind], entity.name),
    };
  }

  // A seed gives one `document` (version v1); the persisted form gives every version and the counters.
  private managedPolicyFrom(policy: z.output<typeof managedPolicyJson>): SandboxManagedPolicy {
    const { document, ...rest } = policy;
    const versions =
      document !== undefined ? [{ versionId: 'v1', document, createDate: policy.createDate }] : rest.versions;
    const highest = Math.max(...versions.map((version) => Number(version.versionId.slice(1))));
    return {
      ...rest,
      versions,
      arn: policy.arn ?? this.policyArn(policy.path, policy.name),
      id: policy.id ?? seedId('ANPA', policy.name),
      defaultVersionId: policy.defaultVersionId ?? versions[versions.length - 1]?.versionId ?? 'v1',
      nextVersionNumber: policy.nextVersionNumber ?? highest + 1,
    };
  }

  /** The persisted form: every field spelled out, policy documents as the exact text AWS would return. */
  toJSON(): z.output<typeof SandboxAccountJson> {
    // A copy, so a caller that edits the result cannot change the account behind the revision counter.
    return structuredClone({
      accountId: this.accountId,
      region: this.region,
      users: [...this.users.values()],
      groups: [...this.groups.values()],
      roles: [...this.roles.values()],
      policies: [...this.policies.values()],
      kms: { keys: [...this.keys.values()], aliases: [...this.aliases.values()] },
      codebuild: { builds: [...this.builds] },
    });
  }

  /** Records that the state changed; the plug persists after any call that bumped the revision. */
  changed(): void {
    this.revision += 1;
  }

  /** The current time as IAM and KMS timestamps are stored (ISO 8601). */
  now(): string {
    return this.clock.now().toISOString();
  }

  /** A fresh IAM unique id with the given type prefix (AIDA, AGPA, AROA). */
  newUniqueId(prefix: string): string {
    return idFrom(prefix, randomBytes(17));
  }

  /** A fresh KMS key id. */
  newKeyId(): string {
    return randomUUID();
  }

  principalArn(kind: SandboxPrincipalKind, path: string, name: string): string {
    return `arn:${this.partition}:iam::${this.accountId}:${kind}${path}${name}`;
  }

  /** The ARN of a customer managed policy of this account. */
  policyArn(path: string, name: string): string {
    return `arn:${this.partition}:iam::${this.accountId}:policy${path}${name}`;
  }

  keyArn(keyId: string): string {
    return `arn:${this.partition}:kms:${this.region}:${this.accountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `arn:${this.partition}:kms:${this.region}:${this.accountId}:${aliasName}`;
  }

  /** The default key policy KMS attaches to a key created without one, as KMS returns it. */
  defaultKeyPolicyText(): string {
    return JSON.stringify(defaultKeyPolicy(this.accountId, this.partition), null, 2);
  }

  /** Whether `arn` names an AWS managed policy the sandbox knows (the ones the bot uses, and a few common ones). */
  isKnownManagedPolicy(arn: string): boolean {
    const prefix = `arn:${this.partition}:iam::aws:policy/`;
    return arn.startsWith(prefix) && KNOWN_MANAGED_POLICY_NAMES.includes(arn.slice(prefix.length));
  }

  /** The ARNs of the AWS managed policies the sandbox knows, sorted by name. */
  knownManagedPolicyArns(): string[] {
    return [...KNOWN_MANAGED_POLICY_NAMES]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => `arn:${this.partition}:iam::aws:policy/${name}`);
  }

  /** The version of a customer managed policy that is in effect. */
  defaultVersion(policy: SandboxManagedPolicy): SandboxPolicyVersion {
    const version = policy.versions.find((candidate) => candidate.versionId === policy.defaultVersionId);
    if (!version) throw new Error(`Managed policy ${policy.name} has no version ${policy.defaultVersionId}`);
    return version;
  }

  findPolicy(name: string): SandboxManagedPolicy | undefined {
    return this.policies.get(nameKey(name));
  }

  /** The customer managed policy an ARN names, when it exists (path and account in the ARN must match). */
  findPolicyByArn(arn: string): SandboxManagedPolicy | undefined {
    const found = this.findPolicy(arn.slice(arn.lastIndexOf('/') + 1));
    return found && found.arn === arn ? found : undefined;
  }

  /** Whether `arn` names a managed policy that can be attached here: a known AWS one or one of this account's. */
  managedPolicyExists(arn: string): boolean {
    return this.isKnownManagedPolicy(arn) || this.findPolicyByArn(arn) !== undefined;
  }

  /** How many users, groups and roles have the managed policy attached (IAM's AttachmentCount). */
  attachmentCount(arn: string): number {
    return [...this.users.values(), ...this.groups.values(), ...this.roles.values()].filter((holder) =>
      holder.attachedPolicyArns.includes(arn),
    ).length;
  }

  /** How many roles use the managed policy as their permissions boundary (IAM's PermissionsBoundaryUsageCount). */
  boundaryUsageCount(arn: string): number {
    return [...this.roles.values()].filter((role) => role.permissionsBoundary === arn).length;
  }

  addPolicy(policy: SandboxManagedPolicy): void {
    this.policies.set(nameKey(policy.name), policy);
    this.changed();
  }

  removePolicy(name: string): void {
    if (this.policies.delete(nameKey(name))) this.changed();
  }

  findUser(name: string): SandboxUser | undefined {
    return this.users.get(nameKey(name));
  }

  findGroup(name: string): SandboxGroup | undefined {
    return this.groups.get(nameKey(name));
  }

  findRole(name: string): SandboxRole | undefined {
    return this.roles.get(nameKey(name));
  }

  /** The user, group or role an IAM ARN names, when it exists (the path in the ARN must match too). */
  findPrincipalByArn(
    arn: string,
  ):
    | { kind: 'user'; entity: SandboxUser }
    | { kind: 'group'; entity: SandboxGroup }
    | { kind: 'role'; entity: SandboxRole }
    | undefined {
    const match = /^arn:[\w-]+:iam::(\d{12}):(user|group|role)(\/(?:[\x21-\x7e]*\/)?)([^/]+)$/.exec(arn);
    if (!match || match[1] !== this.accountId) return undefined;
    const kind = match[2] as SandboxPrincipalKind;
    const name = match[4] ?? '';
    const found =
      kind === 'user' ? this.findUser(name) : kind === 'group' ? this.findGroup(name) : this.findRole(name);
    if (!found || found.arn !== arn) return undefined;
    return { kind, entity: found } as ReturnType<SandboxAccount['findPrincipalByArn']>;
  }

  /**
   * Whether an AWS principal named in a policy exists. Only this account's users and roles can be checked;
   * account ids, other accounts' ARNs, `root` and STS session ARNs are taken on trust.
   */
  principalExists(principal: string): boolean {
    if (principal === '*' || /^\d{12}$/.test(principal)) return true;
    const match = /^arn:[\w-]+:(iam|sts)::(\d{12}):(.+)$/.exec(principal);
    if (!match) return false;
    if (match[2] !== this.accountId || match[1] === 'sts' || match[3] === 'root') return true;
    const found = this.findPrincipalByArn(principal);
    // Groups cannot be principals in a policy.
    return found !== undefined && found.kind !== 'group';
  }

  /** The groups a user belongs to. */
  groupsOf(userName: string): SandboxGroup[] {
    const key = nameKey(userName);
    return [...this.groups.values()].filter((group) =>
      group.members.some((member) => nameKey(member) === key),
    );
  }

  addRole(role: SandboxRole): void {
    this.roles.set(nameKey(role.name), role);
    if (this.newRoleKmsVisibilityLag > 0) this.hiddenFromKms.set(role.arn, this.newRoleKmsVisibilityLag);
    this.changed();
  }

  removeRole(name: string): void {
    const role = this.findRole(name);
    if (!role) return;
    this.roles.delete(nameKey(name));
    this.hiddenFromKms.delete(role.arn);
    this.changed();
  }

  /** Makes KMS miss an existing role for the next `checks` key-policy checks that name it. */
  hideRoleFromKms(roleName: string, checks: number): void {
    const role = this.findRole(roleName);
    if (!role) throw new Error(`The sandbox has no role named ${roleName}`);
    this.hiddenFromKms.set(role.arn, checks);
  }

  /** Whether KMS can see the role yet; each call that finds it hidden uses up one check. */
  kmsSeesRole(roleArn: string): boolean {
    const left = this.hiddenFromKms.get(roleArn) ?? 0;
    if (left <= 0) return true;
    if (left === 1) this.hiddenFromKms.delete(roleArn);
    else this.hiddenFromKms.set(roleArn, left - 1);
    return false;
  }

  // A seed with a dangling reference would make the sandbox answer in ways AWS never could.
  private checkReferences(): void {
    this.checkPolicyReferences();
    for (const policy of this.policies.values()) {
      if (policy.arn !== this.policyArn(policy.path, policy.name))
        throw new Error(
          `Managed policy ${policy.name} has ARN ${policy.arn}, not the one its path and name give`,
        );
      if (!policy.versions.some((version) => version.versionId === policy.defaultVersionId))
        throw new Error(`Managed policy ${policy.name} has no version ${policy.defaultVersionId}`);
    }
    for (const group of this.groups.values()) {
      const stranger = group.members.find((member) => !this.findUser(member));
      if (stranger !== undefined) throw new Error(`Group ${group.name} lists unknown user ${stranger}`);
    }
    for (const alias of this.aliases.values()) {
      if (!this.keys.has(alias.keyId))
        throw new Error(`Alias ${alias.name} points at unknown key ${alias.keyId}`);
    }
  }

  // Attachments and boundaries naming this account's policies must name ones that exist; AWS managed ARNs
  // are taken as the seed gives them.
  private checkPolicyReferences(): void {
    const ownPolicyPrefix = `arn:${this.partition}:iam::${this.accountId}:policy/`;
    const references = [
      ...[...this.users.values(), ...this.groups.values(), ...this.roles.values()].flatMap((holder) =>
        holder.attachedPolicyArns.map((arn) => ({ arn, where: holder.arn })),
      ),
      ...[...this.roles.values()].flatMap((role) =>
        role.permissionsBoundary === undefined
          ? []
          : [{ arn: role.permissionsBoundary, where: `${role.arn} (boundary)` }],
      ),
    ];
    const dangling = references.find(
      ({ arn }) => arn.startsWith(ownPolicyPrefix) && !this.findPolicyByArn(arn),
    );
    if (dangling) throw new Error(`${dangling.where} names unknown managed policy ${dangling.arn}`);
  }
}

/** Reads a seed or state file (see SandboxAccountJson) into an account. */
export function loadSandboxFixture(path: string, options: SandboxOptions = {}): SandboxAccount {
  const text = readFileSync(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The sandbox file ${path} is not valid JSON`, { cause: error });
  }
  return SandboxAccount.fromJSON(json, options);
}

/**
 * The sandbox account backed by a JSON file. Every save replaces the file atomically (write a temporary
 * file in the same folder, then rename), so a crash or a reader never sees half a file.
 */
export class SandboxStore {
  private savedRevision: number;

  private constructor(
    readonly path: string,
    readonly account: SandboxAccount,
  ) {
    this.savedRevision = account.revision;
  }

  /** Opens the state file; when it does not exist yet, starts from `seed` (e.g. the fixture) and saves. */
  static open(
    path: string,
    opts: { seed?: () => SandboxAccount; options?: SandboxOptions } = {},
  ): SandboxStore {
    if (existsSync(path)) return new SandboxStore(path, loadSandboxFixture(path, opts.options));
    if (!opts.seed) throw new Error(`No sandbox state at ${path} and no seed to start from`);
    const store = new SandboxStore(path, opts.seed());
    store.save();
    return store;
  }

  /** Writes the account to the file (atomically). */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomUUID()}.tmp`);
    writeFileSync(temp, `${JSON.stringify(this.account.toJSON(), null, 2)}\n`, 'utf8');
    renameSync(temp, this.path);
    this.savedRevision = this.account.revision;
  }

  /** Saves when the account changed since the last save. */
  saveIfChanged(): void {
    if (this.account.revision !== this.savedRevision) this.save();
  }
}

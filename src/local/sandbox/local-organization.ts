/**
 * The sandbox organization `npm start` runs: the hub (the sandbox account the bot is deployed in, kept in
 * sandbox-account.json as before) and the member accounts of local/fixtures/sandbox-organization.json,
 * each kept in sandbox-accounts/<id>.json, with the member stack deployed where the fixture says so. STS
 * between them is SandboxOrganization's (trust and session names checked); the sessions are kept in
 * sandbox-sessions.json so /local/sandbox still shows them after a restart.
 *
 * A state folder from before (only sandbox-account.json) loads unchanged: the hub keeps its state and the
 * members start from their seed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { z } from 'zod';
import { ACCOUNT_NAME, type AccountFunction, hubRoleArn, memberRoleName } from '../../domain/accounts';
import { accountContextFor } from '../../domain/plans';
import { SandboxAccount, SandboxStore } from './account';
import { deployMemberStack, MEMBER_FUNCTIONS } from './bot-stack';
import { SandboxOrganization, type SandboxSession } from './organization';
import { createSandboxClients, type SandboxClients } from './plug';

/** local/fixtures/sandbox-organization.json is missing a piece or contradicts itself. */
export class SandboxOrganizationFixtureError extends Error {
  override readonly name = 'SandboxOrganizationFixtureError';
}

const accountName = z.string().regex(ACCOUNT_NAME, 'must be a lower-case name of letters, digits and -');

/** The organization fixture: names and ids of the members, and where the member stack is deployed. */
export const SandboxOrganizationFixture = z.object({
  hubName: accountName.default('hub'),
  /** The account a command without `in <account>` works in (default: the hub). */
  defaultAccount: accountName.optional(),
  members: z
    .array(
      z.object({
        name: accountName,
        accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
        /** false: deploy/member-account.yml is not deployed there, so every AssumeRole is refused. */
        memberStack: z.boolean().default(true),
      }),
    )
    .default([]),
});
export type SandboxOrganizationFixture = z.output<typeof SandboxOrganizationFixture>;

/** Where the member stack stands in an account: the hub has the bot's own stack instead. */
export type MemberStackState = 'hub' | 'deployed' | 'missing' | 'partial';

// Sessions kept across restarts; older ones are dropped (a debug view, not an audit log).
const MAX_KEPT_SESSIONS = 500;

/** Reads and checks the organization fixture; none at `path` is an organization of the hub alone. */
export function loadOrganizationFixture(path: string): SandboxOrganizationFixture {
  if (!existsSync(path)) return SandboxOrganizationFixture.parse({});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SandboxOrganizationFixtureError(`The organization fixture ${path} is not valid JSON`, {
      cause: error,
    });
  }
  const parsed = SandboxOrganizationFixture.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SandboxOrganizationFixtureError(
      `The organization fixture ${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const fixture = parsed.data;
  const names = [fixture.hubName, ...fixture.members.map((member) => member.name)];
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) {
    throw new SandboxOrganizationFixtureError(
      `The organization fixture ${path} names the account \`${twice}\` twice`,
    );
  }
  if (fixture.defaultAccount !== undefined && !names.includes(fixture.defaultAccount)) {
    throw new SandboxOrganizationFixtureError(
      `The organization fixture ${path}: defaultAccount \`${fixture.defaultAccount}\` is not one of ${names.join(', ')}`,
    );
  }
  return fixture;
}

/** One account of the organization, as the banner and /local/sandbox list it. */
export interface AccountSummary {
  name: string;
  accountId: string;
  region: string;
  hub: boolean;
  /** The account a command without `in <account>` works in. */
  default: boolean;
  memberStack: MemberStackState;
  /** The member roles found in the account (none in the hub: its functions use their own roles). */
  memberRoles: string[];
}

interface Member {
  name: string;
  store: SandboxStore;
  memberStack: boolean;
}

export class LocalOrganization {
  readonly org: SandboxOrganization;
  private stage: string | undefined;

  private constructor(
    readonly fixture: SandboxOrganizationFixture,
    readonly hub: SandboxStore,
    readonly members: Member[],
    private readonly sessionsPath: string,
  ) {
    const stores = new Map([hub, ...members.map((member) => member.store)].map((s) => [s.account, s]));
    this.org = new SandboxOrganization(
      hub.account,
      Object.fromEntries(members.map((member) => [member.name, member.store.account])),
      fixture.hubName,
      {
        onChange: (account) => stores.get(account)?.saveIfChanged(),
        onSession: () => this.saveSessions(),
      },
    );
    this.org.sessions.push(...loadSessions(sessionsPath));
  }

  /**
   * The organization around the hub's store: each member from its state file, or seeded from
   * `memberSeed` (its account id and the hub's region filled in) on first start.
   */
  static open(input: {
    hub: SandboxStore;
    stateDir: string;
    fixture: SandboxOrganizationFixture;
    memberSeed: () => unknown;
  }): LocalOrganization {
    const { hub, stateDir, fixture } = input;
    const members = fixture.members.map((member) => {
      if (member.accountId === hub.account.accountId) {
        throw new SandboxOrganizationFixtureError(
          `The organization fixture gives member \`${member.name}\` the hub's own account id ${member.accountId}`,
        );
      }
      const store = SandboxStore.open(join(stateDir, 'sandbox-accounts', `${member.accountId}.json`), {
        seed: () =>
          SandboxAccount.fromJSON(
            { ...(input.memberSeed() as object), accountId: member.accountId, region: hub.account.region },
            { clock: hub.account.clock },
          ),
        options: { clock: hub.account.clock },
      });
      return { name: member.name, store, memberStack: member.memberStack };
    });
    return new LocalOrganization(fixture, hub, members, join(stateDir, 'sandbox-sessions.json'));
  }

  /** ACCOUNTS, DEFAULT_ACCOUNT and HUB_ACCOUNT_NAME for the bot. */
  env(): Record<string, string> {
    return {
      ACCOUNTS: this.members.map((member) => `${member.name}=${member.store.account.accountId}`).join(','),
      DEFAULT_ACCOUNT: this.fixture.defaultAccount ?? this.fixture.hubName,
      HUB_ACCOUNT_NAME: this.fixture.hubName,
    };
  }

  /** deploy/member-account.yml, played into every member the fixture deploys it to (idempotent). */
  async deployMemberStacks(stage: string): Promise<void> {
    this.stage = stage;
    const hubAccountId = this.hub.account.accountId;
    for (const member of this.members.filter((m) => m.memberStack)) {
      const { account } = member.store;
      const context = accountContextFor({
        accountId: account.accountId,
        region: account.region,
        partition: account.partition,
        stage,
      });
      await deployMemberStack(account, createSandboxClients(member.store).iam, context, {
        hubAccountId,
        stage,
      });
      member.store.saveIfChanged();
    }
  }

  /** STS as each hub function's own role, and clients for the account credentials belong to. */
  clients(stage: string): {
    sts: (fn: AccountFunction) => STSClient;
    accountClients: (credentials: AwsCredentialIdentity | undefined) => SandboxClients;
  } {
    const { partition, accountId } = this.hub.account;
    return {
      sts: (fn) => this.org.stsClient(hubRoleArn(partition, accountId, stage, fn)),
      accountClients: (credentials) => this.org.clientsFor(credentials),
    };
  }

  /**
   * What /local/sandbox shows: the hub's state at the top level (as before there were members), then
   * every account with its member stack and state, and the AssumeRole sessions, newest last.
   */
  toJSON(): Record<string, unknown> {
    const names = new Map(this.org.accounts().map(({ name, account }) => [account.accountId, name]));
    const accounts = this.describe().map((summary) => {
      const sessions = this.org.sessions.filter((session) => session.accountId === summary.accountId);
      return {
        ...summary,
        sessions: {
          allowed: sessions.filter((session) => session.allowed).length,
          refused: sessions.filter((session) => !session.allowed).length,
        },
        state: this.org.account(summary.accountId)?.toJSON(),
      };
    });
    const sessions = this.org.sessions.map((session) => ({
      account: names.get(session.accountId) ?? session.accountId,
      ...session,
    }));
    return { ...this.hub.account.toJSON(), accounts, sessions };
  }

  /** Each account, hub first: name, id, and whether the member stack is there. */
  describe(): AccountSummary[] {
    const defaultName = this.fixture.defaultAccount ?? this.fixture.hubName;
    return this.org.accounts().map(({ name, account }) => {
      const isHub = account === this.hub.account;
      const roles = this.memberRolesIn(account);
      return {
        name,
        accountId: account.accountId,
        region: account.region,
        hub: isHub,
        default: name === defaultName,
        memberStack: isHub ? 'hub' : memberStackState(roles.length),
        memberRoles: roles,
      };
    });
  }

  /** Saves every account that changed and the sessions. */
  save(): void {
    this.hub.saveIfChanged();
    for (const member of this.members) member.store.saveIfChanged();
    this.saveSessions();
  }

  private memberRolesIn(account: SandboxAccount): string[] {
    const stage = this.stage;
    if (stage === undefined) return [];
    return MEMBER_FUNCTIONS.map((fn) => memberRoleName(stage, fn)).filter((name) => account.findRole(name));
  }

  private saveSessions(): void {
    const kept = this.org.sessions.slice(-MAX_KEPT_SESSIONS);
    mkdirSync(dirname(this.sessionsPath), { recursive: true });
    const temp = join(
      dirname(this.sessionsPath),
      `.${basename(this.sessionsPath)}.${process.pid}.${randomUUID()}.tmp`,
    );
    writeFileSync(temp, `${JSON.stringify(kept, null, 2)}\n`, 'utf8');
    renameSync(temp, this.sessionsPath);
  }
}

const memberStackState = (rolesFound: number): MemberStackState =>
  rolesFound === 0 ? 'missing' : rolesFound === MEMBER_FUNCTIONS.length ? 'deployed' : 'partial';

const SessionJson = z.object({
  accountId: z.string(),
  roleArn: z.string(),
  sessionName: z.string(),
  caller: z.string(),
  allowed: z.boolean(),
  at: z.string(),
});

// A sessions file that does not read is started over: it is a debug view, the audit trail is the table's.
function loadSessions(path: string): SandboxSession[] {
  if (!existsSync(path)) return [];
  try {
    return z.array(SessionJson).parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return [];
  }
}

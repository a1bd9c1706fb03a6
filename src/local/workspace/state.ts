import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { type Clock, systemClock } from '../../domain/ports';
import {
  type WorkspaceChannel,
  WorkspaceChannelSchema,
  type WorkspaceFixture,
  type WorkspaceUser,
  type WorkspaceUsergroup,
  WorkspaceUserSchema,
} from './fixture';

/**
 * What happened in the local Slack workspace: messages, thread replies and ephemerals. People and
 * channels come from the fixture at every start; this is the part that changes, persisted as JSON
 * (atomic replace on every change) so a restart shows the same channels and threads. People, channels
 * and user groups added at runtime (addUser, addChannel, setUsergroup) last until the process ends,
 * like modals: the fixture file stays the workspace's definition.
 */

/** A person, channel or user group that cannot join the workspace (bad id, or the id is taken). */
export class WorkspaceChangeRefused extends Error {
  override readonly name = 'WorkspaceChangeRefused';
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

const Message = z.object({
  channel: z.string(),
  ts: z.string(),
  /** Who posted it: a fixture user, or the bot's user id. */
  user: z.string(),
  /** Set on messages the bot posted (Slack's bot_id). */
  botId: z.string().optional(),
  text: z.string(),
  blocks: z.array(z.unknown()).optional(),
  threadTs: z.string().optional(),
  /** ts of the last chat.update. */
  edited: z.string().optional(),
});
export type WorkspaceMessage = z.infer<typeof Message>;

const Ephemeral = z.object({
  channel: z.string(),
  /** The only user who sees it. */
  user: z.string(),
  ts: z.string(),
  threadTs: z.string().optional(),
  /** 'bot' for chat.postEphemeral and slash-command answers; 'slackbot' for the workspace's own notices. */
  from: z.enum(['bot', 'slackbot']),
  text: z.string(),
  blocks: z.array(z.unknown()).optional(),
  /** The slash command this answers, as the user typed it. */
  command: z.string().optional(),
});
export type WorkspaceEphemeral = z.infer<typeof Ephemeral>;

const StateFile = z.object({
  teamId: z.string(),
  lastTsMicros: z.number().int().nonnegative(),
  messages: z.array(Message),
  ephemerals: z.array(Ephemeral),
});
type StateFile = z.infer<typeof StateFile>;

/** A modal open in front of one person (views.open). Like Slack, modals are not kept across restarts. */
export interface OpenModal {
  id: string;
  user: string;
  view: Record<string, unknown>;
  /** Per-block errors from a `response_action: errors` answer to the last submit. */
  errors?: Record<string, string>;
}

// Slack: "trigger_id … expires in 3 seconds".
export const TRIGGER_TTL_MS = 3000;

/** A ts like Slack's: seconds, a dot, six digits; strictly increasing within the workspace. */
export const formatTs = (micros: number): string =>
  `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;

/** A trigger id shaped like Slack's: `398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c`. */
export const randomTriggerId = (): string =>
  `${randomInt(1e11, 1e12)}.${randomInt(1e10, 1e11)}.${randomBytes(16).toString('hex')}`;

export class WorkspaceState {
  private data: StateFile;
  private version = 0;
  private readonly triggers = new Map<string, { user: string; expires: number }>();
  private readonly modals = new Map<string, OpenModal>();
  private readonly listeners = new Set<() => void>();

  /** The workspace's people, channels and user groups: the fixture's, plus those added at runtime. */
  readonly fixture: WorkspaceFixture;

  private constructor(
    fixture: WorkspaceFixture,
    /** The state file; undefined keeps everything in memory (tests). */
    private readonly path: string | undefined,
    data: StateFile,
    private readonly clock: Clock,
  ) {
    this.fixture = structuredClone(fixture);
    this.data = data;
  }

  /** A workspace that keeps its messages in memory only, for tests: nothing is written to disk. */
  static inMemory(fixture: WorkspaceFixture, clock: Clock = systemClock): WorkspaceState {
    return new WorkspaceState(
      fixture,
      undefined,
      { teamId: fixture.team.id, lastTsMicros: 0, messages: [], ephemerals: [] },
      clock,
    );
  }

  /** Opens the state file, or starts an empty workspace when there is none (or it is for another team). */
  static open(path: string, fixture: WorkspaceFixture, clock: Clock = systemClock): WorkspaceState {
    let data: StateFile = { teamId: fixture.team.id, lastTsMicros: 0, messages: [], ephemerals: [] };
    if (existsSync(path)) {
      const parsed = StateFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      if (!parsed.success)
        throw new Error(`The workspace state ${path} is not readable; delete it to start over`);
      if (parsed.data.teamId === fixture.team.id) data = parsed.data;
    }
    const state = new WorkspaceState(fixture, path, data, clock);
    state.save();
    return state;
  }

  /** Bumped by every change; the page refetches when it moves. */
  get revision(): number {
    return this.version;
  }

  get messages(): readonly WorkspaceMessage[] {
    return this.data.messages;
  }

  get ephemerals(): readonly WorkspaceEphemeral[] {
    return this.data.ephemerals;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  user(id: string) {
    return this.fixture.users.find((user) => user.id === id);
  }

  /**
   * Adds a person to the workspace, or replaces the profile of the person with that id (people edit
   * their name and email in Slack): users.info answers with it, the composer escapes their @name.
   */
  putUser(input: z.input<typeof WorkspaceUserSchema>): WorkspaceUser {
    const user = parseOrRefuse(WorkspaceUserSchema, input, 'person');
    if (user.id === this.fixture.app.botUserId)
      throw new WorkspaceChangeRefused(`${user.id} is the bot's own user.`);
    const index = this.fixture.users.findIndex((candidate) => candidate.id === user.id);
    if (index >= 0) this.fixture.users[index] = user;
    else this.fixture.users.push(user);
    this.notify();
    return user;
  }

  /** Adds a channel the bot can post to. */
  addChannel(input: z.input<typeof WorkspaceChannelSchema>): WorkspaceChannel {
    const channel = parseOrRefuse(WorkspaceChannelSchema, { ...input, audit: false }, 'channel');
    if (this.channel(channel.id) || this.channel(channel.name))
      throw new WorkspaceChangeRefused(
        `The workspace already has a channel ${channel.id} or #${channel.name}.`,
      );
    this.fixture.channels.push(channel);
    this.notify();
    return channel;
  }

  /** Creates a user group, or replaces its members (usergroups.users.list answers with them). */
  setUsergroup(id: string, users: string[], handle = id.toLowerCase()): WorkspaceUsergroup {
    if (!/^S[A-Z0-9]{2,30}$/.test(id))
      throw new WorkspaceChangeRefused(`A user group id looks like S0APPROVERS, not ${id}.`);
    const unknown = users.filter((member) => !this.user(member));
    if (unknown.length > 0)
      throw new WorkspaceChangeRefused(
        `User group ${id} lists people not in the workspace: ${unknown.join(', ')}.`,
      );
    const group = { id, handle, users: [...users] };
    const index = this.fixture.usergroups.findIndex((candidate) => candidate.id === id);
    if (index >= 0) this.fixture.usergroups[index] = group;
    else this.fixture.usergroups.push(group);
    this.notify();
    return group;
  }

  /** A channel by id, or by name with or without '#', as chat.postMessage accepts both. */
  channel(idOrName: string) {
    const name = idOrName.replace(/^#/, '');
    return this.fixture.channels.find((channel) => channel.id === idOrName || channel.name === name);
  }

  message(channel: string, ts: string): WorkspaceMessage | undefined {
    return this.data.messages.find((message) => message.channel === channel && message.ts === ts);
  }

  /** Replies in the thread under `ts`, oldest first. */
  replies(channel: string, ts: string): WorkspaceMessage[] {
    return this.data.messages.filter((message) => message.channel === channel && message.threadTs === ts);
  }

  nextTs(): string {
    const now = this.clock.now().getTime() * 1000;
    this.data.lastTsMicros = Math.max(now, this.data.lastTsMicros + 1);
    return formatTs(this.data.lastTsMicros);
  }

  post(message: Omit<WorkspaceMessage, 'ts'>): WorkspaceMessage {
    const stored: WorkspaceMessage = { ...message, ts: this.nextTs() };
    this.data.messages.push(stored);
    this.changed();
    return stored;
  }

  update(
    channel: string,
    ts: string,
    change: { text?: string; blocks?: unknown[] },
  ): WorkspaceMessage | undefined {
    const message = this.message(channel, ts);
    if (!message) return undefined;
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    message.edited = this.nextTs();
    this.changed();
    return message;
  }

  postEphemeral(ephemeral: Omit<WorkspaceEphemeral, 'ts'>): WorkspaceEphemeral {
    const stored: WorkspaceEphemeral = { ...ephemeral, ts: this.nextTs() };
    this.data.ephemerals.push(stored);
    this.changed();
    return stored;
  }

  /** A trigger id for one interaction of `user`, as Slack puts in every command and click. */
  issueTrigger(user: string): string {
    const id = randomTriggerId();
    this.triggers.set(id, { user, expires: this.clock.now().getTime() + TRIGGER_TTL_MS });
    return id;
  }

  /** Uses up a trigger id: its user, 'expired', or undefined when it was never issued (or used). */
  takeTrigger(id: string): { user: string } | 'expired' | undefined {
    const trigger = this.triggers.get(id);
    if (!trigger) return undefined;
    this.triggers.delete(id);
    return this.clock.now().getTime() > trigger.expires ? 'expired' : { user: trigger.user };
  }

  openModal(user: string, view: Record<string, unknown>): OpenModal {
    const modal: OpenModal = { id: `V0${randomBytes(5).toString('hex').toUpperCase()}`, user, view };
    this.modals.set(user, modal);
    this.notify();
    return modal;
  }

  modalOf(user: string): OpenModal | undefined {
    return this.modals.get(user);
  }

  closeModal(user: string, id: string): void {
    if (this.modals.get(user)?.id !== id) return;
    this.modals.delete(user);
    this.notify();
  }

  showModalErrors(user: string, id: string, errors: Record<string, string>): void {
    const modal = this.modals.get(user);
    if (modal?.id !== id) return;
    modal.errors = errors;
    this.notify();
  }

  /** Writes the file atomically (temporary file in the same folder, then rename). */
  save(): void {
    if (this.path === undefined) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomUUID()}.tmp`);
    writeFileSync(temp, `${JSON.stringify(this.data, null, 2)}\n`, 'utf8');
    renameSync(temp, this.path);
  }

  private changed(): void {
    this.save();
    this.notify();
  }

  private notify(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

function parseOrRefuse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new WorkspaceChangeRefused(`That ${what} cannot join the workspace: ${problems.join('; ')}.`);
}

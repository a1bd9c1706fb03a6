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

/** A person's App Home tab (views.publish); Slack keeps it until the app publishes another. */
const HomeView = z.object({
  id: z.string(),
  hash: z.string(),
  view: z.record(z.string(), z.unknown()),
});
export type HomeView = z.infer<typeof HomeView>;

const StateFile = z.object({
  teamId: z.string(),
  lastTsMicros: z.number().int().nonnegative(),
  messages: z.array(Message),
  ephemerals: z.array(Ephemeral),
  /** User id -> their App Home view. Absent in files written before the Home tab existed. */
  homes: z.record(z.string(), HomeView).default({}),
});
type StateFile = z.infer<typeof StateFile>;

/**
 * One view of the modal open in front of a person (views.open, then views.push on top). Like Slack,
 * modals are not kept across restarts.
 */
export interface OpenModal {
  id: string;
  user: string;
  view: Record<string, unknown>;
  /** Changes with every views.update; a views.update with an older hash is refused (hash_conflict). */
  hash: string;
  rootViewId: string;
  previousViewId?: string;
  /** Per-block errors from a `response_action: errors` answer to the last submit. */
  errors?: Record<string, string>;
}

/** A direct message conversation between the app and one person (conversations.open). */
export interface ImChannel {
  id: string;
  user: string;
}

// Slack: "After a modal is opened, the app is limited to pushing 2 additional views."
export const MAX_MODAL_VIEWS = 3;

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
  /** User id -> the views of their open modal, root first. */
  private readonly modals = new Map<string, OpenModal[]>();
  private hashCounter = 0;
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
      { teamId: fixture.team.id, lastTsMicros: 0, messages: [], ephemerals: [], homes: {} },
      clock,
    );
  }

  /** Opens the state file, or starts an empty workspace when there is none (or it is for another team). */
  static open(path: string, fixture: WorkspaceFixture, clock: Clock = systemClock): WorkspaceState {
    let data: StateFile = {
      teamId: fixture.team.id,
      lastTsMicros: 0,
      messages: [],
      ephemerals: [],
      homes: {},
    };
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

  /** The app's DM with a person: one per person, with a stable id (D + the user id without its U). */
  imOf(userId: string): ImChannel | undefined {
    return this.user(userId) ? { id: `D${userId.slice(1)}`, user: userId } : undefined;
  }

  /** The DM a `D…` id names, if it is one of this workspace's people's. */
  im(id: string): ImChannel | undefined {
    if (!/^D[A-Z0-9]+$/.test(id)) return undefined;
    return this.imOf(`U${id.slice(1)}`);
  }

  /**
   * Where a message may go: a channel (id or name), a DM by its `D…` id, or a person's user id, which
   * chat.postMessage takes as "the app's DM with them", as Slack does.
   */
  conversation(idOrName: string): { id: string; name: string; im?: ImChannel } | undefined {
    const channel = this.channel(idOrName);
    if (channel) return { id: channel.id, name: channel.name };
    const im = this.im(idOrName) ?? (this.user(idOrName) ? this.imOf(idOrName) : undefined);
    if (!im) return undefined;
    return { id: im.id, name: this.user(im.user)?.name ?? im.user, im };
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

  /** views.open: a new modal in front of the person, replacing any open one. */
  openModal(user: string, view: Record<string, unknown>): OpenModal {
    const id = this.newViewId();
    const modal: OpenModal = { id, user, view, hash: this.newHash(), rootViewId: id };
    this.modals.set(user, [modal]);
    this.notify();
    return modal;
  }

  /** views.push (or `response_action: push`): a view on top of the open modal; at most three. */
  pushModal(user: string, view: Record<string, unknown>): OpenModal | 'no_modal' | 'push_limit_reached' {
    const stack = this.modals.get(user);
    const top = stack?.[stack.length - 1];
    if (!stack || !top) return 'no_modal';
    if (stack.length >= MAX_MODAL_VIEWS) return 'push_limit_reached';
    const modal: OpenModal = {
      id: this.newViewId(),
      user,
      view,
      hash: this.newHash(),
      rootViewId: top.rootViewId,
      previousViewId: top.id,
    };
    stack.push(modal);
    this.notify();
    return modal;
  }

  /**
   * views.update (or `response_action: update`): replaces one view of an open modal, found by its id or
   * its external_id, keeping its id. With `hash`, only the latest version may be replaced.
   */
  updateModal(
    ref: { viewId?: string; externalId?: string },
    view: Record<string, unknown>,
    hash?: string,
  ): OpenModal | 'not_found' | 'hash_conflict' {
    const modal = [...this.modals.values()]
      .flat()
      .find((candidate) =>
        ref.viewId !== undefined
          ? candidate.id === ref.viewId
          : ref.externalId !== undefined && candidate.view.external_id === ref.externalId,
      );
    if (!modal) return 'not_found';
    if (hash !== undefined && hash !== modal.hash) return 'hash_conflict';
    modal.view = view;
    modal.hash = this.newHash();
    delete modal.errors;
    this.notify();
    return modal;
  }

  /** The view on top of the person's modal (what they see). */
  modalOf(user: string): OpenModal | undefined {
    const stack = this.modals.get(user);
    return stack?.[stack.length - 1];
  }

  /** How many views the person's modal has (1 for views.open, up to 3 with views.push). */
  modalDepth(user: string): number {
    return this.modals.get(user)?.length ?? 0;
  }

  /** Closes the view on top (Cancel, or an empty ack to its submission); the one below shows again. */
  closeModal(user: string, id: string): void {
    const stack = this.modals.get(user);
    if (!stack || stack[stack.length - 1]?.id !== id) return;
    stack.pop();
    if (stack.length === 0) this.modals.delete(user);
    this.notify();
  }

  /** `response_action: clear`: the whole modal goes away. */
  clearModals(user: string): void {
    if (!this.modals.delete(user)) return;
    this.notify();
  }

  showModalErrors(user: string, id: string, errors: Record<string, string>): void {
    const modal = this.modalOf(user);
    if (modal?.id !== id) return;
    modal.errors = errors;
    this.notify();
  }

  /** The person's App Home view, once the app has published one. */
  homeOf(user: string): HomeView | undefined {
    return this.data.homes[user];
  }

  /** views.publish: the person's Home tab; keeps its id across publishes, as Slack does. */
  publishHome(user: string, view: Record<string, unknown>, hash?: string): HomeView | 'hash_conflict' {
    const existing = this.data.homes[user];
    if (hash !== undefined && existing && hash !== existing.hash) return 'hash_conflict';
    const home: HomeView = { id: existing?.id ?? this.newViewId(), hash: this.newHash(), view };
    this.data.homes[user] = home;
    this.changed();
    return home;
  }

  private newViewId(): string {
    return `V0${randomBytes(5).toString('hex').toUpperCase()}`;
  }

  // Like Slack's "1569362015.55b5e41b": changes on every update.
  private newHash(): string {
    this.hashCounter += 1;
    return `${Math.floor(this.clock.now().getTime() / 1000)}.${randomBytes(4).toString('hex')}${this.hashCounter}`;
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

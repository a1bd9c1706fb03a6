import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The local Slack workspace's people and channels, from a readable fixture
 * (local/fixtures/workspace.json). Read at every start; never written.
 */

const USER_ID = /^U[A-Z0-9]{2,30}$/;
const CHANNEL_ID = /^C[A-Z0-9]{2,30}$/;

export const WorkspaceUserSchema = z.object({
  id: z.string().regex(USER_ID, 'must look like U0ALICE'),
  name: z.string().regex(/^[a-z0-9._-]{1,80}$/, 'lowercase handle, like Slack usernames'),
  realName: z.string().min(1),
  title: z.string().default(''),
  email: z.email().optional(),
  approver: z.boolean().default(false),
});

export const WorkspaceChannelSchema = z.object({
  id: z.string().regex(CHANNEL_ID, 'must look like C0GENERAL'),
  name: z.string().regex(/^[a-z0-9_-]{1,80}$/),
  topic: z.string().default(''),
  /** The channel the bot posts approval cards to (AUDIT_CHANNEL_ID). Exactly one. */
  audit: z.boolean().default(false),
});

const Usergroup = z.object({
  id: z.string().regex(/^S[A-Z0-9]{2,30}$/),
  handle: z.string(),
  users: z.array(z.string()),
});

export const WorkspaceFixture = z
  .object({
    team: z.object({ id: z.string().regex(/^T[A-Z0-9]{2,30}$/), domain: z.string(), name: z.string() }),
    app: z.object({
      id: z.string().regex(/^A[A-Z0-9]{2,30}$/),
      botId: z.string().regex(/^B[A-Z0-9]{2,30}$/),
      botUserId: z.string().regex(USER_ID),
      name: z.string(),
      /** The app's global shortcuts (the ⚡ menu), as configured in its manifest. */
      shortcuts: z
        .array(
          z.object({
            callbackId: z.string().min(1),
            name: z.string().min(1),
            description: z.string().default(''),
          }),
        )
        .default([]),
    }),
    channels: z.array(WorkspaceChannelSchema).min(1),
    users: z.array(WorkspaceUserSchema).min(1),
    usergroups: z.array(Usergroup).default([]),
  })
  .superRefine((fixture, ctx) => {
    const audit = fixture.channels.filter((channel) => channel.audit);
    if (audit.length !== 1)
      ctx.addIssue({ code: 'custom', message: 'exactly one channel needs "audit": true' });
    const ids = new Set<string>();
    for (const user of fixture.users) {
      if (ids.has(user.id)) ctx.addIssue({ code: 'custom', message: `user id ${user.id} appears twice` });
      ids.add(user.id);
    }
    for (const group of fixture.usergroups) {
      for (const member of group.users) {
        if (!ids.has(member)) {
          ctx.addIssue({
            code: 'custom',
            message: `user group ${group.handle} lists unknown user ${member}`,
          });
        }
      }
    }
  });
export type WorkspaceFixture = z.output<typeof WorkspaceFixture>;
export type WorkspaceUser = WorkspaceFixture['users'][number];
export type WorkspaceChannel = WorkspaceFixture['channels'][number];
export type WorkspaceUsergroup = WorkspaceFixture['usergroups'][number];

/** Reads and validates the workspace fixture; a mistake names the file and the field. */
export function loadWorkspaceFixture(path: string): WorkspaceFixture {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the workspace fixture ${path}`, { cause: error });
  }
  const parsed = WorkspaceFixture.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
    throw new Error(`The workspace fixture ${path} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The channel approval cards go to. */
export const auditChannelOf = (fixture: WorkspaceFixture): WorkspaceChannel =>
  fixture.channels.find((channel) => channel.audit) ?? (fixture.channels[0] as WorkspaceChannel);

/** The user ids that may approve (APPROVER_USER_IDS of the local bot). */
export const approverIdsOf = (fixture: WorkspaceFixture): string[] =>
  fixture.users.filter((user) => user.approver).map((user) => user.id);

/**
 * The email domains of the fixture's people (IAM_USER_EMAIL_DOMAINS of the local bot): the local
 * workspace is the operator's own, so its addresses map to sandbox IAM users by their local part.
 */
export const emailDomainsOf = (fixture: WorkspaceFixture): string[] => [
  ...new Set(
    fixture.users.flatMap((user) =>
      user.email ? [user.email.slice(user.email.lastIndexOf('@') + 1).toLowerCase()] : [],
    ),
  ),
];

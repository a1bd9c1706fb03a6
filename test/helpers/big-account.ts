/**
 * A big sandbox account, seeded straight into its state (no API call per user): `users` IAM users named
 * user00001…, `groups` groups of 10 users each, and the tagged users the caller names. The bench and the
 * big-account tests use it to show that a request costs the same number of AWS calls at any size.
 */
import type { SandboxAccount } from '../../src/local/sandbox/account';

export interface BigAccountShape {
  users: number;
  groups: number;
  /** IAM user name -> SlackUserId tag, added besides the numbered users. */
  tagged?: Record<string, string>;
}

const pad = (n: number): string => String(n).padStart(5, '0');

/** Adds the users and groups to the account in memory; returns how many users it holds now. */
export function seedBigAccount(account: SandboxAccount, shape: BigAccountShape): number {
  const now = account.now();
  const addUser = (name: string, tags: Record<string, string>) =>
    account.users.set(name.toLowerCase(), {
      name,
      path: '/',
      arn: account.principalArn('user', '/', name),
      id: account.newUniqueId('AIDA'),
      createDate: now,
      // Every numbered user carries a tag, so a scan reads tags as in a real organization.
      tags,
      attachedPolicyArns: [],
      inlinePolicies: {},
    });
  for (let i = 1; i <= shape.users; i += 1) addUser(`user${pad(i)}`, { team: `team${i % 50}` });
  for (const [name, slackUserId] of Object.entries(shape.tagged ?? {}))
    addUser(name, { SlackUserId: slackUserId });
  for (let g = 1; g <= shape.groups; g += 1) {
    const name = `group${pad(g)}`;
    account.groups.set(name.toLowerCase(), {
      name,
      path: '/',
      arn: account.principalArn('group', '/', name),
      id: account.newUniqueId('AGPA'),
      createDate: now,
      members: Array.from(
        { length: 10 },
        (_, k) => `user${pad(((g * 10 + k) % Math.max(shape.users, 1)) + 1)}`,
      ),
      attachedPolicyArns: [],
      inlinePolicies: {},
    });
  }
  account.changed();
  return account.users.size;
}

/**
 * SLACK_CACHE_SECONDS: IAM reads on the Slack path are kept for the configured time in one warm instance,
 * never "not found", and never the tag check that confirms an IAM user index entry. Reads go to the
 * sandbox account through the real IamGateway; calls are counted at the account's SDK client.
 */
import { mockClient } from 'aws-sdk-client-mock';
import { IamGateway } from '../../src/aws/iam';
import type { Clock } from '../../src/domain/ports';
import { cachedIamReads } from '../../src/domain/read-cache';
import { SandboxIam } from '../helpers/sandbox-iam';

const TTL = 60;

function world() {
  const sandbox = SandboxIam.empty('111122223333', 'us-east-1');
  sandbox.addUser('alice', [], { SlackUserId: 'U0ALICE' });
  sandbox.addGroup('devs');
  let now = Date.parse('2026-11-29T12:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const calls = mockClient(sandbox.clients.iam);
  calls.send.callThrough();
  const iam = cachedIamReads(new IamGateway(sandbox.clients.iam), clock, TTL);
  const names = () =>
    calls.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
  return {
    sandbox,
    iam,
    names,
    advance: (seconds: number) => (now += seconds * 1000),
    restore: () => calls.restore(),
  };
}

describe('IAM reads on the Slack path are cached for SLACK_CACHE_SECONDS', () => {
  it('a found user is read once within the TTL and again after it', async () => {
    const w = world();
    try {
      await w.iam.findPrincipal('user', 'alice');
      w.advance(TTL - 1);
      await w.iam.findPrincipal('user', 'ALICE');
      expect(w.names()).toEqual(['GetUser']);
      w.advance(2);
      await w.iam.findPrincipal('user', 'alice');
      expect(w.names()).toEqual(['GetUser', 'GetUser']);
    } finally {
      w.restore();
    }
  });

  it('"not found" is never kept: a user created a moment later is found at once', async () => {
    const w = world();
    try {
      await expect(w.iam.findPrincipal('user', 'bob')).resolves.toBeUndefined();
      w.sandbox.addUser('bob');
      await expect(w.iam.findPrincipal('user', 'bob')).resolves.toMatchObject({ name: 'bob' });
    } finally {
      w.restore();
    }
  });

  it('the tag check behind the index is read every time, so a moved tag is seen at once', async () => {
    const w = world();
    try {
      await expect(w.iam.userWithTags('alice')).resolves.toMatchObject({ tags: { SlackUserId: 'U0ALICE' } });
      delete w.sandbox.account.findUser('alice')!.tags.SlackUserId;
      await expect(w.iam.userWithTags('alice')).resolves.toMatchObject({ tags: {} });
      expect(w.names()).toEqual(['GetUser', 'GetUser']);
    } finally {
      w.restore();
    }
  });

  it("a group's members are kept within the TTL", async () => {
    const w = world();
    try {
      await w.iam.groupMemberNames('devs');
      await w.iam.groupMemberNames('devs');
      expect(w.names()).toEqual(['GetGroup']);
    } finally {
      w.restore();
    }
  });
});

import { POLICY_ARNS } from '../../../src/domain/tiers';
import { type ExpiryEvidence, expiryVerdict } from '../../../src/workflows/tasks/expire-grant';

const { codeBuildDeveloper, s3ReadOnly } = POLICY_ARNS;

/** A developer grant expiring: both of its policies attached, and nothing else keeping or claiming them. */
const evidence = (overrides: Partial<ExpiryEvidence> = {}): ExpiryEvidence => ({
  attached: [codeBuildDeveloper, s3ReadOnly],
  needs: [],
  heldOthers: [],
  ours: new Set([codeBuildDeveloper, s3ReadOnly]),
  ...overrides,
});

const otherGrant = { policyArn: s3ReadOnly, requestId: 'REQ-OTHER', tier: 'readonly' };

describe('what the expiry of a managed tier does with one policy', () => {
  it.each<[string, ExpiryEvidence, ReturnType<typeof expiryVerdict>]>([
    ['detaches a policy the bot answers for', evidence(), 'detach'],
    [
      'keeps a policy another grant in effect needs, even one the bot answers for',
      evidence({ needs: [otherGrant] }),
      { kind: 'kept_for_grant', policy: 'AmazonS3ReadOnlyAccess', requestId: 'REQ-OTHER', tier: 'readonly' },
    ],
    [
      'keeps a policy another tier the target holds needs',
      evidence({ heldOthers: ['readonly'] }),
      { kind: 'kept_for_tier', policy: 'AmazonS3ReadOnlyAccess', tier: 'readonly' },
    ],
    [
      'names another grant before another held tier',
      evidence({ needs: [otherGrant], heldOthers: ['admin'] }),
      { kind: 'kept_for_grant', policy: 'AmazonS3ReadOnlyAccess', requestId: 'REQ-OTHER', tier: 'readonly' },
    ],
    [
      'says a policy no longer attached was gone before the limit, rather than undone',
      evidence({ attached: [codeBuildDeveloper] }),
      { kind: 'already_gone', policy: 'AmazonS3ReadOnlyAccess', beforeLimit: true },
    ],
    [
      'keeps an attached policy the bot never attached nor took responsibility for',
      evidence({ ours: new Set([codeBuildDeveloper]) }),
      { kind: 'kept_not_ours', policy: 'AmazonS3ReadOnlyAccess' },
    ],
    [
      'keeps a policy another held tier needs even when it is no longer attached',
      evidence({ attached: [], heldOthers: ['readonly'] }),
      { kind: 'kept_for_tier', policy: 'AmazonS3ReadOnlyAccess', tier: 'readonly' },
    ],
  ])('%s', (_behaviour, given, expected) => {
    expect(expiryVerdict(s3ReadOnly, given)).toEqual(expected);
  });
});

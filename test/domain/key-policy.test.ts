import fc from 'fast-check';
import {
  mergeKeyPolicy,
  policyHash,
  statementDelta,
  statementsEquivalent,
} from '../../src/domain/key-policy';
import { KEY_POLICY_MAX_BYTES, keyPolicyBytes } from '../../src/domain/policy-size';
import {
  codeBuildKeyStatements,
  defaultKeyPolicy,
  type PolicyDocument,
  type PolicyStatement,
  S3_VIA_SERVICE_SID,
} from '../../src/domain/seed-policies';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ROLE_A = `arn:aws:iam::${ACCOUNT}:role/CodeBuildServiceRole`;
const ROLE_B = `arn:aws:iam::${ACCOUNT}:role/OtherBuildRole`;
const seedStatements = (roleArn = ROLE_A) =>
  codeBuildKeyStatements({ accountId: ACCOUNT, region: REGION, roleArn });

// Frozen inputs make any in-place edit by the merge throw, which is the strongest "never mutates" check.
const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
};

const mergeOk = (existing: PolicyDocument, additions: PolicyStatement[]) => {
  const result = mergeKeyPolicy(existing, additions);
  if (!result.ok) throw new Error(`expected the merge to succeed: ${result.message}`);
  return result;
};

describe('mergeKeyPolicy examples', () => {
  it('appends the seed statements after every existing statement', () => {
    const existing = deepFreeze(defaultKeyPolicy(ACCOUNT));
    const result = mergeOk(existing, seedStatements());
    expect(result.policy).toEqual({ ...existing, Statement: [...existing.Statement, ...seedStatements()] });
    expect(result.added).toEqual(seedStatements());
    expect(result.unchanged).toEqual([]);
  });

  it('changes nothing when the statements are already there', () => {
    const once = mergeOk(defaultKeyPolicy(ACCOUNT), seedStatements()).policy;
    const twice = mergeOk(deepFreeze(once), seedStatements());
    expect(twice.policy).toEqual(once);
    expect(twice.added).toEqual([]);
    expect(twice.unchanged).toEqual(seedStatements());
  });

  it('adds only the role statement for a second service role', () => {
    const forRoleA = mergeOk(defaultKeyPolicy(ACCOUNT), seedStatements(ROLE_A)).policy;
    const result = mergeOk(forRoleA, seedStatements(ROLE_B));
    expect(result.added.map((s) => s.Sid)).toEqual(['AllowCodeBuildServiceRole-OtherBuildRole']);
    expect(result.unchanged.map((s) => s.Sid)).toEqual([S3_VIA_SERVICE_SID]);
    expect(result.policy.Statement).toHaveLength(4);
  });

  const [s3Statement, roleStatement] = seedStatements() as [PolicyStatement, PolicyStatement];

  it.each([
    ['a principal list of one', { ...roleStatement, Principal: { AWS: [ROLE_A] } }],
    [
      'actions in another order',
      { ...roleStatement, Action: [...(roleStatement.Action as string[])].reverse() },
    ],
    [
      'a repeated action',
      { ...roleStatement, Action: [...(roleStatement.Action as string[]), 'kms:Encrypt'] },
    ],
    ['a resource list of one', { ...roleStatement, Resource: ['*'] }],
    [
      'condition values as lists',
      {
        ...s3Statement,
        Condition: {
          StringEquals: { 'kms:ViaService': [`s3.${REGION}.amazonaws.com`], 'kms:CallerAccount': [ACCOUNT] },
        },
      },
    ],
    ['keys in another order', Object.fromEntries(Object.entries(roleStatement).reverse()) as PolicyStatement],
  ])('treats a statement already present with %s as the same statement', (_label, stored) => {
    const existing = deepFreeze({ ...defaultKeyPolicy(ACCOUNT), Statement: [stored] });
    const result = mergeOk(existing, [stored.Sid === s3Statement.Sid ? s3Statement : roleStatement]);
    expect(result.added).toEqual([]);
    expect(result.policy).toEqual(existing);
  });

  it('treats a single action string and a one-element action list as the same', () => {
    expect(
      statementsEquivalent(
        { Sid: 'A', Effect: 'Allow', Principal: { AWS: ROLE_A }, Action: 'kms:Decrypt', Resource: '*' },
        { Sid: 'A', Effect: 'Allow', Principal: { AWS: [ROLE_A] }, Action: ['kms:Decrypt'], Resource: ['*'] },
      ),
    ).toBe(true);
  });

  it.each([
    [
      'another region in the S3 condition',
      {
        ...s3Statement,
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT },
        },
      },
    ],
    ['an extra action', { ...s3Statement, Action: [...(s3Statement.Action as string[]), 'kms:CreateGrant'] }],
    ['a Deny effect', { ...s3Statement, Effect: 'Deny' as const }],
    ['a narrower principal', { ...s3Statement, Principal: { AWS: ROLE_A } }],
    ['"*" written as a bare principal', { ...s3Statement, Principal: '*' as const }],
  ])('refuses, naming the Sid, when the key already has the Sid with %s', (_label, stored) => {
    const existing = deepFreeze({ ...defaultKeyPolicy(ACCOUNT), Statement: [stored] });
    const result = mergeKeyPolicy(existing, seedStatements());
    expect(result).toMatchObject({ ok: false, error: 'sid_conflict', sid: S3_VIA_SERVICE_SID });
    expect(!result.ok && result.message).toContain(S3_VIA_SERVICE_SID);
  });

  it('refuses two additions with one Sid and different content', () => {
    const result = mergeKeyPolicy(defaultKeyPolicy(ACCOUNT), [
      roleStatement,
      { ...roleStatement, Effect: 'Deny' },
    ]);
    expect(result).toMatchObject({ ok: false, error: 'sid_conflict', sid: roleStatement.Sid });
  });

  it.each([
    ['no Sid', { Effect: 'Allow', Principal: { AWS: ROLE_A }, Action: 'kms:Decrypt', Resource: '*' }],
    [
      'an empty Sid',
      { Sid: '', Effect: 'Allow', Principal: { AWS: ROLE_A }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  ] as const)('refuses an addition with %s', (_label, statement) => {
    expect(mergeKeyPolicy(defaultKeyPolicy(ACCOUNT), [statement])).toMatchObject({
      ok: false,
      error: 'missing_sid',
    });
  });

  it('keeps existing statements that have no Sid', () => {
    const unnamed: PolicyStatement = {
      Effect: 'Allow',
      Principal: { AWS: ROLE_B },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    const existing = deepFreeze({ ...defaultKeyPolicy(ACCOUNT), Statement: [unnamed] });
    expect(mergeOk(existing, seedStatements()).policy.Statement).toEqual([unnamed, ...seedStatements()]);
  });

  it('accepts a key policy whose Statement is a single object', () => {
    const [only] = defaultKeyPolicy(ACCOUNT).Statement;
    const existing = deepFreeze({ Version: '2012-10-17', Statement: only } as unknown as PolicyDocument);
    expect(mergeOk(existing, seedStatements()).policy.Statement).toEqual([only, ...seedStatements()]);
  });

  describe('size limit', () => {
    // Pads a statement of the existing policy so that the merged policy is `target` bytes long.
    const paddedTo = (target: number): PolicyDocument => {
      const build = (pad: string): PolicyDocument => ({
        ...defaultKeyPolicy(ACCOUNT),
        Statement: [
          {
            Sid: `Padding${pad}`,
            Effect: 'Allow',
            Principal: { AWS: ROLE_B },
            Action: 'kms:Decrypt',
            Resource: '*',
          },
        ],
      });
      const base = keyPolicyBytes({ ...build(''), Statement: [...build('').Statement, ...seedStatements()] });
      return build('x'.repeat(target - base));
    };

    it.each([
      [KEY_POLICY_MAX_BYTES, true],
      [KEY_POLICY_MAX_BYTES + 1, false],
    ])('for a merged policy of %i bytes says ok=%s', (bytes, ok) => {
      const result = mergeKeyPolicy(paddedTo(bytes), seedStatements());
      expect(result.ok).toBe(ok);
      if (result.ok) expect(keyPolicyBytes(result.policy)).toBe(bytes);
      else
        expect(result).toMatchObject({
          error: 'too_large',
          message: expect.stringContaining('32,769 bytes'),
        });
    });
  });
});

// --- Properties over random key policies ---

const ACCOUNTS = ['111122223333', '444455556666', '777788889999'];
const KMS_ACTIONS = [
  'kms:*',
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:CreateGrant',
  'kms:ListGrants',
];

/** A statement's meaning, before choosing how to spell it (string or list, which order). */
interface StatementMeaning {
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  principal: '*' | { type: 'AWS' | 'Service'; values: string[] };
  actions: string[];
  resources: string[];
  condition?: { operator: string; key: string; values: string[] };
}

const principalArnArb = fc
  .tuple(fc.constantFrom(...ACCOUNTS), fc.constantFrom('root', 'role/Admin', 'role/CodeBuild', 'user/alice'))
  .map(([account, rest]) => `arn:aws:iam::${account}:${rest}`);

const meaningArb = (sidPrefix: string, allowUnnamed: boolean): fc.Arbitrary<StatementMeaning> =>
  fc
    .record({
      sid: fc.stringMatching(/^[A-Za-z0-9 ]{1,16}$/).map((s) => `${sidPrefix}${s}`),
      unnamed: allowUnnamed ? fc.boolean() : fc.constant(false),
      effect: fc.constantFrom('Allow' as const, 'Deny' as const),
      principal: fc.oneof<fc.Arbitrary<StatementMeaning['principal']>[]>(
        fc.constant('*' as const),
        fc.record({
          type: fc.constant('AWS' as const),
          values: fc.uniqueArray(principalArnArb, { minLength: 1, maxLength: 4 }),
        }),
        fc.record({
          type: fc.constant('Service' as const),
          values: fc.uniqueArray(
            fc.constantFrom('codebuild.amazonaws.com', 's3.amazonaws.com', 'logs.amazonaws.com'),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
        }),
      ),
      actions: fc.uniqueArray(fc.constantFrom(...KMS_ACTIONS), { minLength: 1, maxLength: 6 }),
      resources: fc.constantFrom<string[]>(['*'], [`arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd`]),
      condition: fc.option(
        fc.record({
          operator: fc.constantFrom('StringEquals', 'StringLike', 'ArnLike'),
          key: fc.constantFrom('kms:ViaService', 'kms:CallerAccount', 'aws:PrincipalArn'),
          values: fc.uniqueArray(
            fc.constantFrom('s3.us-east-1.amazonaws.com', ...ACCOUNTS, 'arn:aws:iam::*:role/x'),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
        }),
        { nil: undefined },
      ),
    })
    .map(
      ({ sid, unnamed, condition, ...rest }): StatementMeaning => ({
        ...rest,
        sid: unnamed ? undefined : sid,
        ...(condition ? { condition } : {}),
      }),
    );

/** One of the spellings IAM treats alike: any order, and a bare string for a single value. */
const spellList = (values: string[]): fc.Arbitrary<string | string[]> =>
  fc.shuffledSubarray(values, { minLength: values.length, maxLength: values.length }).chain((ordered) => {
    const [only] = ordered;
    return ordered.length === 1 && only !== undefined
      ? fc.constantFrom<string | string[]>(only, ordered)
      : fc.constant(ordered);
  });

const spell = (meaning: StatementMeaning): fc.Arbitrary<PolicyStatement> =>
  fc
    .record({
      principal:
        meaning.principal === '*'
          ? fc.constant<PolicyStatement['Principal']>('*')
          : spellList(meaning.principal.values).map((values) => ({
              [(meaning.principal as { type: string }).type]: values,
            })),
      action: spellList(meaning.actions),
      resource: spellList(meaning.resources),
      conditionValues: meaning.condition ? spellList(meaning.condition.values) : fc.constant(undefined),
    })
    .map(({ principal, action, resource, conditionValues }) => ({
      ...(meaning.sid !== undefined ? { Sid: meaning.sid } : {}),
      Effect: meaning.effect,
      Principal: principal,
      Action: action,
      Resource: resource,
      ...(meaning.condition && conditionValues !== undefined
        ? { Condition: { [meaning.condition.operator]: { [meaning.condition.key]: conditionValues } } }
        : {}),
    }));

const spellAll = (meanings: StatementMeaning[]): fc.Arbitrary<PolicyStatement[]> =>
  meanings.length === 0 ? fc.constant([]) : fc.tuple(...meanings.map(spell));

interface MergeScenario {
  policy: PolicyDocument;
  additions: PolicyStatement[];
  /** The additions whose Sid the key does not have yet, in the order given. */
  expectedAdded: PolicyStatement[];
  /** The additions that re-state (in another spelling) a statement the key already has. */
  expectedUnchanged: PolicyStatement[];
}

// Existing statements get "Old" Sids (or none), new ones "New" Sids; repeats are existing named statements
// spelled afresh, so every addition is either new or equivalent to what the key holds.
const scenarioArb: fc.Arbitrary<MergeScenario> = fc
  .record({
    existing: fc.uniqueArray(meaningArb('Old', true), { maxLength: 8, selector: (m) => m.sid ?? Symbol() }),
    fresh: fc.uniqueArray(meaningArb('New', false), { maxLength: 4, selector: (m) => m.sid }),
    id: fc.option(fc.constant('key-consolepolicy-3'), { nil: undefined }),
  })
  .chain(({ existing, fresh, id }) =>
    fc
      .record({
        statements: spellAll(existing),
        repeats: fc.subarray(existing.filter((m) => m.sid !== undefined)).chain(spellAll),
        freshStatements: spellAll(fresh),
      })
      .chain(({ statements, repeats, freshStatements }) => {
        const tagged = [
          ...repeats.map((statement) => ({ repeat: true, statement })),
          ...freshStatements.map((statement) => ({ repeat: false, statement })),
        ];
        return fc
          .shuffledSubarray(tagged, { minLength: tagged.length, maxLength: tagged.length })
          .map((order) => ({
            policy: { Version: '2012-10-17', ...(id ? { Id: id } : {}), Statement: statements },
            additions: order.map((t) => t.statement),
            expectedAdded: order.filter((t) => !t.repeat).map((t) => t.statement),
            expectedUnchanged: order.filter((t) => t.repeat).map((t) => t.statement),
          }));
      }),
  );

const RUNS = { numRuns: 1000 };

type Widening = 'action' | 'effect' | 'principal' | 'resource';

/** The same statement, granting more in one respect: an action, the other effect, a principal, a resource. */
function widen(target: StatementMeaning, change: Widening): StatementMeaning {
  switch (change) {
    case 'action':
      return {
        ...target,
        actions: [...target.actions, KMS_ACTIONS.find((a) => !target.actions.includes(a)) ?? ''],
      };
    case 'effect':
      return { ...target, effect: target.effect === 'Allow' ? ('Deny' as const) : ('Allow' as const) };
    case 'principal':
      return {
        ...target,
        principal: target.principal === '*' ? { type: 'AWS' as const, values: ['*'] } : ('*' as const),
      };
    case 'resource':
      return { ...target, resources: [...target.resources, 'arn:aws:kms:us-east-1:111122223333:key/other'] };
  }
}

describe('mergeKeyPolicy properties', () => {
  it('keeps every original statement, deep-equal and in order, and appends exactly the new ones', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, additions, expectedAdded, expectedUnchanged }) => {
        const snapshot = structuredClone({ policy, additions });
        const result = mergeOk(deepFreeze(policy), deepFreeze(additions));
        expect(result.policy.Statement.slice(0, policy.Statement.length)).toEqual(snapshot.policy.Statement);
        expect(result.policy.Statement.slice(policy.Statement.length)).toEqual(expectedAdded);
        expect(result.added).toEqual(expectedAdded);
        expect(result.unchanged).toEqual(expectedUnchanged);
        expect({ ...result.policy, Statement: undefined }).toEqual({
          ...snapshot.policy,
          Statement: undefined,
        });
        expect({ policy, additions }).toEqual(snapshot);
      }),
      RUNS,
    );
  });

  it('is idempotent: merging the result again changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, additions }) => {
        const once = mergeOk(policy, additions);
        const twice = mergeOk(deepFreeze(once.policy), additions);
        expect(twice.policy).toEqual(once.policy);
        expect(twice.added).toEqual([]);
        expect(twice.unchanged).toHaveLength(additions.length);
      }),
      RUNS,
    );
  });

  it('never widens an existing statement: same-Sid additions that differ are refused, naming the Sid', () => {
    const conflictArb = fc
      .uniqueArray(meaningArb('Old', false), { minLength: 1, maxLength: 6, selector: (m) => m.sid })
      .chain((existing) =>
        fc.record({
          existing: fc.constant(existing),
          statements: spellAll(existing),
          target: fc.constantFrom(...existing),
          change: fc.constantFrom<Widening>('action', 'effect', 'principal', 'resource'),
        }),
      )
      .chain(({ statements, target, change }) => {
        const widened = widen(target, change);
        return spell(widened).map((addition) => ({ statements, addition, sid: target.sid }));
      });

    fc.assert(
      fc.property(conflictArb, ({ statements, addition, sid }) => {
        const policy = deepFreeze({ Version: '2012-10-17', Statement: statements });
        const result = mergeKeyPolicy(policy, [addition]);
        expect(result).toMatchObject({ ok: false, error: 'sid_conflict', sid });
      }),
      RUNS,
    );
  });

  it('compares principals, actions and condition values canonically', () => {
    const twoSpellings = meaningArb('Any', true).chain((meaning) => fc.tuple(spell(meaning), spell(meaning)));
    fc.assert(
      fc.property(twoSpellings, ([a, b]) => {
        expect(statementsEquivalent(a, b)).toBe(true);
      }),
      RUNS,
    );
  });

  it('tells apart principals that name different identities', () => {
    const pair = fc
      .tuple(fc.uniqueArray(principalArnArb, { minLength: 1, maxLength: 4 }), principalArnArb)
      .filter(([values, extra]) => !values.includes(extra));
    fc.assert(
      fc.property(pair, ([values, extra]) => {
        const statement: PolicyStatement = {
          Sid: 'S',
          Effect: 'Allow',
          Principal: { AWS: values },
          Action: 'kms:Decrypt',
          Resource: '*',
        };
        expect(
          statementsEquivalent(statement, { ...statement, Principal: { AWS: [...values, extra] } }),
        ).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('policyHash', () => {
  const text = JSON.stringify(mergeOk(defaultKeyPolicy(ACCOUNT), seedStatements()).policy);
  const parsed = JSON.parse(text) as PolicyDocument;

  it('is a sha256 hex digest', () => {
    expect(policyHash(text)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['pretty-printed', JSON.stringify(parsed, null, 2)],
    ['with tabs and CRLF', JSON.stringify(parsed, null, '\t').replaceAll('\n', '\r\n')],
    [
      'with keys in another order',
      JSON.stringify({ Statement: parsed.Statement, Id: parsed.Id, Version: parsed.Version }),
    ],
  ])('does not change when the text is %s', (_label, variant) => {
    expect(policyHash(variant)).toBe(policyHash(text));
  });

  it.each([
    [
      'a statement is added',
      {
        ...parsed,
        Statement: [...parsed.Statement, { Sid: 'X', Effect: 'Deny', Action: '*', Resource: '*' }],
      },
    ],
    ['a statement is removed', { ...parsed, Statement: parsed.Statement.slice(1) }],
    [
      'an action changes',
      {
        ...parsed,
        Statement: parsed.Statement.map((s, i) => (i === 0 ? { ...s, Action: 'kms:Decrypt' } : s)),
      },
    ],
    ['statements are reordered', { ...parsed, Statement: [...parsed.Statement].reverse() }],
    ['a value changes case', { ...parsed, Id: 'KEY-DEFAULT-1' }],
  ])('changes when %s', (_label, variant) => {
    expect(policyHash(JSON.stringify(variant))).not.toBe(policyHash(text));
  });

  it('throws on text that is not JSON', () => {
    expect(() => policyHash('{"Version":')).toThrow(SyntaxError);
  });
});

describe('statementDelta', () => {
  it('lists the Sids a merge adds', () => {
    const before = defaultKeyPolicy(ACCOUNT);
    const after = mergeOk(before, seedStatements()).policy;
    expect(statementDelta(before, after)).toEqual({
      added: [S3_VIA_SERVICE_SID, 'AllowCodeBuildServiceRole-CodeBuildServiceRole'],
      removed: [],
      changed: [],
      unnamedAdded: 0,
      unnamedRemoved: 0,
    });
  });

  it('reports removed, changed and Sid-less statements when a key policy drifted', () => {
    const unnamed: PolicyStatement = {
      Effect: 'Allow',
      Principal: { AWS: ROLE_B },
      Action: 'kms:Decrypt',
      Resource: '*',
    };
    const before: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [...defaultKeyPolicy(ACCOUNT).Statement, ...seedStatements(), unnamed],
    };
    const after: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        { ...(before.Statement[0] as PolicyStatement), Action: ['kms:Describe*'] },
        before.Statement[1] as PolicyStatement,
        { ...unnamed, Action: 'kms:Encrypt' },
      ],
    };
    expect(statementDelta(before, after)).toEqual({
      added: [],
      removed: ['AllowCodeBuildServiceRole-CodeBuildServiceRole'],
      changed: ['Enable IAM User Permissions'],
      unnamedAdded: 1,
      unnamedRemoved: 1,
    });
  });

  it('sees no change between two spellings of the same policy', () => {
    const policy = mergeOk(defaultKeyPolicy(ACCOUNT), seedStatements()).policy;
    const respelled: PolicyDocument = {
      ...policy,
      Statement: policy.Statement.map((s) => ({
        ...s,
        Resource: ['*'],
        Action: ([] as string[]).concat(s.Action ?? []).reverse(),
      })),
    };
    expect(statementDelta(policy, respelled)).toEqual({
      added: [],
      removed: [],
      changed: [],
      unnamedAdded: 0,
      unnamedRemoved: 0,
    });
  });
});

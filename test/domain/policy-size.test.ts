import {
  assertPolicyCharset,
  checkInlineQuota,
  INLINE_QUOTAS,
  inlinePolicySize,
  KEY_POLICY_MAX_BYTES,
  keyPolicyBytes,
} from '../../src/domain/policy-size';
import { SEED_CUSTOM_ACCESS_POLICY, serviceRolePolicy } from '../../src/domain/seed-policies';

// A policy text of exactly `size` non-whitespace characters, padded with white space IAM does not count.
const textOfSize = (size: number): string => {
  const skeleton =
    '{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
  const sid = 'A'.repeat(size - skeleton.length);
  return JSON.stringify(JSON.parse(skeleton.replace('"Sid":""', `"Sid":"${sid}"`)), null, 4);
};

describe('inlinePolicySize', () => {
  it.each([
    ['compact JSON', '{"a":"b"}', 9],
    ['pretty-printed JSON', '{\n  "a": "b"\n}\n', 9],
    ['tabs and CRLF', '{\r\n\t"a":\t"b"\r\n}', 9],
    ['a space inside a string (IAM drops it too)', '{"a":"b c"}', 10],
    ['a Latin-1 character', '{"a":"é"}', 9],
  ])('counts %s without white space', (_label, text, size) => {
    expect(inlinePolicySize(text)).toBe(size);
  });

  it('counts a document the same as its pretty-printed text', () => {
    expect(inlinePolicySize(SEED_CUSTOM_ACCESS_POLICY)).toBe(
      inlinePolicySize(JSON.stringify(SEED_CUSTOM_ACCESS_POLICY, null, 2)),
    );
  });

  it('builds test texts of the intended size', () => {
    expect(inlinePolicySize(textOfSize(2048))).toBe(2048);
  });
});

describe('checkInlineQuota', () => {
  it('has the IAM quotas for each holder', () => {
    expect(INLINE_QUOTAS).toEqual({ user: 2048, group: 5120, role: 10240 });
  });

  it.each([
    ['user', 2048, true],
    ['user', 2049, false],
    ['group', 5120, true],
    ['group', 5121, false],
    ['role', 10240, true],
    ['role', 10241, false],
  ] as const)('for a %s totalling %i characters says ok=%s', (kind, size, ok) => {
    const result = checkInlineQuota(kind, [], textOfSize(size));
    expect(result).toMatchObject({ ok, total: size, limit: INLINE_QUOTAS[kind] });
  });

  it.each([
    [148, true],
    [149, false],
  ])('adds the existing inline policies to a new one of %i characters (ok=%s)', (size, ok) => {
    const result = checkInlineQuota('user', [textOfSize(1000), textOfSize(900)], textOfSize(size));
    expect(result).toMatchObject({ ok, total: 1900 + size });
  });

  it('tells the user what is over and what to do', () => {
    const result = checkInlineQuota('user', [textOfSize(1200)], textOfSize(1111), 'alice');
    expect(result).toEqual({
      ok: false,
      total: 2311,
      limit: 2048,
      message:
        'The inline policies on user alice would total 2,311 non-whitespace characters; IAM allows 2,048 for a user. ' +
        'Remove an inline policy or use a managed tier.',
    });
  });

  it('fits the seed custom policy on a user with no other inline policy', () => {
    expect(checkInlineQuota('user', [], SEED_CUSTOM_ACCESS_POLICY).ok).toBe(true);
  });

  it('fits the service role policy with VPC statements on a role', () => {
    const policy = serviceRolePolicy({ vpc: true, accountId: '111122223333', region: 'us-east-1' });
    expect(checkInlineQuota('role', [], policy).ok).toBe(true);
  });
});

describe('assertPolicyCharset', () => {
  it.each([
    ['plain ASCII', '{"Sid":"Abc 123"}'],
    ['tab, LF and CR', '{\t"a":\r\n"b"}'],
    ['Latin-1 letters', '{"Sid":"Café Müller ÿ"}'],
    ['a no-break space', '{"Sid":"a\u00a0b"}'],
  ])('accepts %s', (_label, text) => {
    expect(assertPolicyCharset(text)).toBeUndefined();
  });

  it.each([
    ['a typographic quote', '{"Sid":"it\u2019s"}', 'U+2019 "\u2019" at character 11'],
    ['an em dash', '{"Sid":"a\u2014b"}', 'U+2014'],
    ['an emoji', '{"Sid":"\u{1F600}"}', 'U+1F600'],
    ['a C1 control character', '{"Sid":"a\u0085"}', 'U+0085 at'],
    ['a NUL', '{"Sid":"a\u0000"}', 'U+0000 at'],
    ['DEL', '{"Sid":"a\u007f"}', 'U+007F at'],
  ])('refuses %s and names it', (_label, text, fragment) => {
    const message = assertPolicyCharset(text);
    expect(message).toContain(fragment);
    expect(message).toContain('only ASCII and Latin-1');
  });
});

describe('keyPolicyBytes', () => {
  it('is the KMS limit of 32 KiB', () => {
    expect(KEY_POLICY_MAX_BYTES).toBe(32768);
  });

  it.each([
    ['ASCII', '{"a":"b"}', 9],
    ['a Latin-1 letter (two UTF-8 bytes)', '{"a":"é"}', 10],
  ])('counts %s in UTF-8 bytes', (_label, text, bytes) => {
    expect(keyPolicyBytes(text)).toBe(bytes);
  });

  it('counts a document as its compact JSON', () => {
    expect(keyPolicyBytes(SEED_CUSTOM_ACCESS_POLICY)).toBe(JSON.stringify(SEED_CUSTOM_ACCESS_POLICY).length);
  });
});

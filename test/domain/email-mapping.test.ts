import { loadConfig } from '../../src/config';
import { emailUserNames } from '../../src/domain/resolve-target';

const BASE = { REQUESTS_TABLE: 'requests', AUDIT_CHANNEL_ID: 'C0AUDIT' };

describe('emailUserNames: the local part counts only at listed domains', () => {
  it.each<[string, string[], string[]]>([
    ['alice@example.com', ['example.com'], ['alice@example.com', 'alice']],
    ['Alice@EXAMPLE.COM', ['example.com'], ['Alice@EXAMPLE.COM', 'Alice']],
    ['alice@other.example', ['example.com'], ['alice@other.example']],
    ['alice@example.com', [], ['alice@example.com']],
    // A listed domain must match whole: a subdomain or a look-alike suffix is another domain.
    ['alice@evil.example.com', ['example.com'], ['alice@evil.example.com']],
    ['alice@notexample.com', ['example.com'], ['alice@notexample.com']],
    // The domain is what follows the last @.
    ['a@b@example.com', ['example.com'], ['a@b@example.com', 'a@b']],
    // Names IAM could not hold are never looked up.
    ['al ice@example.com', ['example.com'], []],
  ])('%s with domains %j → %j', (email, domains, names) => {
    expect(emailUserNames(email, domains)).toEqual(names);
  });
});

describe('IAM_USER_EMAIL_DOMAINS', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['Example.COM, other.example ,', ['example.com', 'other.example']],
  ])('%j → %j', (value, domains) => {
    const env = value === undefined ? BASE : { ...BASE, IAM_USER_EMAIL_DOMAINS: value };
    expect(loadConfig(env).iamUserEmailDomains).toEqual(domains);
  });

  it.each(['@example.com', 'alice@example.com', 'example', '*.example.com'])(
    'rejects %j by name',
    (value) => {
      expect(() => loadConfig({ ...BASE, IAM_USER_EMAIL_DOMAINS: value })).toThrow(
        /IAM_USER_EMAIL_DOMAINS.*each must be a domain like example.com/,
      );
    },
  );
});

import {
  escapeHtml,
  prettyPolicy,
  readableTime,
  requestsPage,
  sandboxPage,
  wantsHtml,
} from '../../src/local/http/debug-pages';

const NOW = new Date('2026-11-29T20:00:00Z');

describe('the debug pages’ helpers', () => {
  it.each([
    ['a browser', 'text/html,application/xhtml+xml', null, true],
    ['fetch (*/*)', '*/*', null, false],
    ['no Accept', undefined, null, false],
    ['a browser asking for JSON', 'text/html', 'json', false],
    ['a tool asking for HTML', '*/*', 'html', true],
  ])('answers %s with HTML: %s', (_name, accept, format, expected) => {
    expect(wantsHtml(accept, format)).toBe(expected);
  });

  it.each([
    ['compact JSON', '{"Version":"2012-10-17"}', '{\n  "Version": "2012-10-17"\n}'],
    ['URL-encoded JSON (as IAM returns it)', '%7B%22a%22%3A1%7D', '{\n  "a": 1\n}'],
    ['text that is not JSON, as it is', 'not json %', 'not json %'],
  ])('pretty-prints %s', (_name, input, expected) => {
    expect(prettyPolicy(input)).toBe(expected);
  });

  it.each([
    ['a past time', '2026-11-29T19:55:00Z', '2026-11-29 19:55:00 UTC · 5 minutes ago'],
    ['a future time', '2026-11-29T22:00:00Z', '2026-11-29 22:00:00 UTC · in 2 hours'],
    ['now', '2026-11-29T20:00:01Z', '2026-11-29 20:00:01 UTC · just now'],
    ['an unreadable value, as it is', 'soon', 'soon'],
  ])('writes %s readably', (_name, iso, expected) => {
    expect(readableTime(iso, NOW)).toBe(expected);
  });

  it('escapes everything it shows', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;',
    );
    const page = requestsPage(
      [
        {
          requestId: 'REQ-<b>',
          status: 'awaiting_approval',
          createdAt: '2026-11-29T19:00:00Z',
          requiredApprovals: 1,
          approvals: [],
          events: [{ type: 'requested', at: '2026-11-29T19:00:00Z', text: '<script>alert(1)</script>' }],
        },
      ],
      NOW,
    );
    expect(page).toContain('REQ-&lt;b&gt;');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
    expect(page).toContain('awaiting approval');
    expect(page).toContain('2026-11-29 19:00:00 UTC · 1 hour ago');
  });
});

describe('the sandbox organization page', () => {
  const empty = { accountId: '', region: 'us-east-1', users: [], groups: [], roles: [], policies: [] };
  const organization = {
    ...empty,
    accountId: '111122223333',
    accounts: [
      {
        name: 'hub',
        accountId: '111122223333',
        hub: true,
        default: true,
        memberStack: 'hub',
        memberRoles: [],
        sessions: { allowed: 0, refused: 0 },
        state: {
          ...empty,
          accountId: '111122223333',
          users: [{ name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice', attachedPolicyArns: [] }],
        },
      },
      {
        name: 'qa',
        accountId: '222233334444',
        hub: false,
        default: false,
        memberStack: 'partial',
        memberRoles: ['codebuild-access-dev-member-slack'],
        sessions: { allowed: 0, refused: 1 },
        state: { ...empty, accountId: '222233334444' },
      },
    ],
    sessions: [
      {
        account: 'qa',
        accountId: '222233334444',
        roleArn: 'arn:aws:iam::222233334444:role/codebuild-access-dev-member-plan',
        sessionName: 'REQ-<b>-plan',
        caller: 'arn:aws:iam::111122223333:role/codebuild-access/codebuild-access-dev-plan',
        allowed: false,
        at: '2026-11-29T19:59:00Z',
      },
    ],
  };

  it('lists every account with its member stack, the sessions, and each account under its own name, escaped', () => {
    const page = sandboxPage(organization, NOW);
    expect(page).toContain('<h1>Sandbox AWS organization</h1>');
    expect(page).toContain('2 accounts in us-east-1');
    expect(page).toContain(
      '<a href="#account-hub"><strong>hub</strong></a> <span class="none">(default)</span>',
    );
    expect(page).toContain(
      '<span class="member-stack member-stack-partial">PARTLY deployed: some member roles are missing</span>',
    );
    expect(page).toContain('0 allowed, 1 refused');
    expect(page).toContain('<code>REQ-&lt;b&gt;-plan</code>');
    expect(page).toContain('refused (AccessDenied)');
    expect(page).toContain(
      '<section class="account" id="account-qa"><h2>Account qa · <code>222233334444</code></h2>',
    );
    expect(page).toContain(
      '<h2>Account hub · <code>111122223333</code> (hub)</h2><section><h3>IAM users</h3>',
    );
    expect(page).not.toContain('<b>');
  });

  it('keeps the single-account page for a sandbox without members', () => {
    const page = sandboxPage(empty, NOW);
    expect(page).toContain('<h1>Sandbox AWS account</h1>');
    expect(page).toContain('<h2>IAM users</h2>');
    expect(page).not.toContain('<h2>Accounts</h2>');
  });
});

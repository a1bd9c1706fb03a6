import {
  escapeHtml,
  prettyPolicy,
  readableTime,
  requestsPage,
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

// The page's mrkdwn parser (local/web/mrkdwn.js) is plain JS shared with the browser; it returns a tree
// of plain nodes that the page turns into DOM with textContent only.
const Mrkdwn = require('../../local/web/mrkdwn.js') as {
  parse(
    text: string,
    lookup?: { user?: (id: string) => string | undefined; channel?: (id: string) => string | undefined },
  ): unknown[];
};

const lookup = {
  user: (id: string) => ({ U0ALICE: 'alice', U0PRIYA: 'priya' })[id],
  channel: (id: string) => ({ C0AUDIT: 'codebuild-audit' })[id],
};
const parse = (text: string) => Mrkdwn.parse(text, lookup);
const text = (value: string) => ({ type: 'text', text: value });

describe('mrkdwn on the local workspace page', () => {
  it.each([
    ['bold', '*Will change*', [{ type: 'bold', children: [text('Will change')] }]],
    ['italic', '_none given_', [{ type: 'italic', children: [text('none given')] }]],
    ['strike', '~old~', [{ type: 'strike', children: [text('old')] }]],
    ['code, with nothing formatted inside', '`a*b*_c_`', [{ type: 'code', text: 'a*b*_c_' }]],
    ['a user mention as @name', '<@U0ALICE>', [{ type: 'user', id: 'U0ALICE', label: '@alice' }]],
    ['an unknown user with its label', '<@U0NOBODY|zed>', [{ type: 'user', id: 'U0NOBODY', label: '@zed' }]],
    ['a channel as #name', '<#C0AUDIT>', [{ type: 'channel', id: 'C0AUDIT', label: '#codebuild-audit' }]],
    [
      'a date token as its fallback',
      '<!date^1700000000^{date_short_pretty} at {time}|2023-11-14T22:13:20.000Z>',
      [text('2023-11-14T22:13:20.000Z')],
    ],
    ['a broadcast as plain text', '<!here>', [{ type: 'broadcast', label: '@here' }]],
    ['newlines', 'a\nb', [text('a'), { type: 'br' }, text('b')]],
    ['"- " lines as bullets', '- one\n- two', [text('• one'), { type: 'br' }, text('• two')]],
    [
      'a known emoji',
      ':white_check_mark: ok',
      [{ type: 'emoji', name: 'white_check_mark', text: '✅' }, text(' ok')],
    ],
    ['an unknown emoji as typed', ':not_an_emoji:', [text(':not_an_emoji:')]],
    ['snake_case and arithmetic untouched', 'approve_request 2*3*4', [text('approve_request 2*3*4')]],
    [
      'an https link with its label',
      '<https://example.com|docs>',
      [{ type: 'link', url: 'https://example.com', label: 'docs' }],
    ],
  ])('renders %s', (_name, input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it.each([
    [
      'Slack-escaped HTML stays text',
      '&lt;img src=x onerror=alert(1)&gt;',
      [text('<img src=x onerror=alert(1)>')],
    ],
    [
      'a raw tag stays text',
      '<script>alert(1)</script>',
      [text('<script>'), text('alert(1)'), text('</script>')],
    ],
    [
      'a javascript: link is not a link',
      '<javascript:alert(1)|click>',
      [text('<javascript:alert(1)|click>')],
    ],
    ['a data: link is not a link', '<data:text/html,hi|x>', [text('<data:text/html,hi|x>')]],
  ])('is XSS-safe: %s', (_name, input, expected) => {
    expect(parse(input)).toEqual(expected);
  });

  it('nests formatting and mentions inside bold', () => {
    expect(parse('*by <@U0PRIYA> _today_*')).toEqual([
      {
        type: 'bold',
        children: [
          text('by '),
          { type: 'user', id: 'U0PRIYA', label: '@priya' },
          text(' '),
          { type: 'italic', children: [text('today')] },
        ],
      },
    ]);
  });
});

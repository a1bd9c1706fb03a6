import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// The page's mrkdwn parser (local/web/mrkdwn.js) is plain JS shared with the browser; it returns a tree
// of plain nodes that the page turns into DOM with textContent only.
interface DateOptions {
  now: Date;
  timeZone?: string;
  hour12?: boolean;
}
const Mrkdwn = require('../../local/web/mrkdwn.js') as {
  parse(
    text: string,
    lookup?: {
      user?: (id: string) => string | undefined;
      channel?: (id: string) => string | undefined;
      dates?: DateOptions;
    },
  ): unknown[];
  formatDate(seconds: number, template: string, options: DateOptions): string;
  EMOJI: Record<string, string>;
};

// Readers in a fixed zone at a fixed time, so the tests do not depend on the machine's.
const NOW = new Date('2026-11-29T19:42:00Z');
const lookup = {
  user: (id: string) => ({ U0ALICE: 'alice', U0PRIYA: 'priya' })[id],
  channel: (id: string) => ({ C0AUDIT: 'codebuild-audit' })[id],
  dates: { now: NOW, timeZone: 'UTC' },
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
      "a date token in the reader's zone, keeping the instant and the fallback",
      '<!date^1700000000^{date_short_pretty} at {time}|2023-11-14 22:13 UTC>',
      [
        {
          type: 'date',
          text: 'Nov 14, 2023 at 10:13 PM',
          iso: '2023-11-14T22:13:20.000Z',
          fallback: '2023-11-14 22:13 UTC',
        },
      ],
    ],
    [
      'a date token with a link',
      '<!date^1700000000^{date_num}^https://example.com/r|then>',
      [
        {
          type: 'date',
          text: '2023-11-14',
          iso: '2023-11-14T22:13:20.000Z',
          fallback: 'then',
          url: 'https://example.com/r',
        },
      ],
    ],
    [
      'a date token whose link is not a web address, without the link',
      '<!date^1700000000^{date_num}^javascript:alert(1)|then>',
      [{ type: 'date', text: '2023-11-14', iso: '2023-11-14T22:13:20.000Z', fallback: 'then' }],
    ],
    ['a date token without a timestamp as its fallback', '<!date^soon^{time}|later>', [text('later')]],
    ['a broadcast as plain text', '<!here>', [{ type: 'broadcast', label: '@here' }]],
    ['newlines', 'a\nb', [text('a'), { type: 'br' }, text('b')]],
    ['"- " lines as bullets', '- one\n- two', [text('• one'), { type: 'br' }, text('• two')]],
    [
      'a known emoji',
      ':white_check_mark: ok',
      [{ type: 'emoji', name: 'white_check_mark', text: '✅' }, text(' ok')],
    ],
    ['an unknown emoji as typed', ':not_an_emoji:', [text(':not_an_emoji:')]],
    [
      'an object key that is not an emoji as typed',
      ':constructor: :__proto__:',
      [text(':constructor:'), text(' '), text(':__proto__:')],
    ],
    [
      'the emoji of a reminder',
      ':alarm_clock: ends',
      [{ type: 'emoji', name: 'alarm_clock', text: '\u23f0' }, text(' ends')],
    ],
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
    ['a user group by its label', '<!subteam^S0ONCALL|@oncall>', [{ type: 'broadcast', label: '@oncall' }]],
    [
      'a user group without a label as @group',
      '<!subteam^S0ONCALL>',
      [{ type: 'broadcast', label: '@group' }],
    ],
    ['@channel as a broadcast', '<!channel>', [{ type: 'broadcast', label: '@channel' }]],
    ['@everyone as a broadcast', '<!everyone>', [{ type: 'broadcast', label: '@everyone' }]],
    ['another special by its label', '<!something|see this>', [text('see this')]],
    ['another special without a label by its name', '<!something>', [text('something')]],
    ['an unknown channel by its label', '<#C0NONE|ops>', [{ type: 'channel', id: 'C0NONE', label: '#ops' }]],
  ])('renders the special %s', (_name, input, expected) => {
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

  it('renders `>` lines as block quotes and keeps the lines around them', () => {
    expect(Mrkdwn.parse('*asks* to grant\n&gt;release week\nmore')).toEqual([
      { type: 'bold', children: [{ type: 'text', text: 'asks' }] },
      { type: 'text', text: ' to grant' },
      { type: 'br' },
      { type: 'quote', children: [{ type: 'text', text: 'release week' }] },
      { type: 'text', text: 'more' },
    ]);
  });

  it('accepts the local permalink (`/#C…/ts`) as a link, and no other relative URL', () => {
    expect(Mrkdwn.parse('</#C0AUDIT/1795995045.370000|Open the approval card>')).toEqual([
      { type: 'link', url: '/#C0AUDIT/1795995045.370000', label: 'Open the approval card' },
    ]);
    expect(Mrkdwn.parse('</etc/passwd|x>')).toEqual([{ type: 'text', text: '</etc/passwd|x>' }]);
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

// 2014-02-18 14:39:42 UTC, Slack's own example instant; "now" is 2014-02-18 15:00 UTC unless stated.
const EXAMPLE = 1392734382;
const at = (now: string, timeZone = 'UTC', hour12?: boolean) => ({
  now: new Date(now),
  timeZone,
  ...(hour12 === undefined ? {} : { hour12 }),
});
const FEB18 = at('2014-02-18T15:00:00Z');

describe('Slack date formatting on the local workspace page', () => {
  it.each([
    ['{date_num}', FEB18, '2014-02-18'],
    ['{date}', FEB18, 'February 18th, 2014'],
    ['{date_short}', FEB18, 'Feb 18, 2014'],
    ['{date_long}', FEB18, 'Tuesday, February 18th, 2014'],
    ['{date_pretty}', FEB18, 'Today'],
    ['{date_short_pretty}', at('2014-02-19T09:00:00Z'), 'Yesterday'],
    ['{date_long_pretty}', at('2014-02-17T09:00:00Z'), 'Tomorrow'],
    ['{date_short_pretty}', at('2014-03-01T09:00:00Z'), 'Feb 18, 2014'],
    ['{date_long_pretty}', at('2014-03-01T09:00:00Z'), 'Tuesday, February 18th, 2014'],
    ['{date_pretty}', at('2014-03-01T09:00:00Z'), 'February 18th, 2014'],
    ['{time}', FEB18, '2:39 PM'],
    ['{time_secs}', FEB18, '2:39:42 PM'],
    ['{time}', at('2014-02-18T15:00:00Z', 'UTC', false), '14:39'],
    ['{ago}', FEB18, '20 minutes ago'],
    ['{ago}', at('2014-02-18T11:00:00Z'), 'in 4 hours'],
    ['{ago}', at('2014-02-21T15:00:00Z'), '3 days ago'],
    ['posted {date_short_pretty} at {time}', FEB18, 'posted today at 2:39 PM'],
    ['{date_short_pretty} at {time}', at('2014-02-18T15:00:00Z', 'Asia/Tokyo'), 'Yesterday at 11:39 PM'],
    [
      '{date_long} {time}',
      at('2014-02-18T15:00:00Z', 'America/New_York'),
      'Tuesday, February 18th, 2014 9:39 AM',
    ],
    ['{date_num} {unknown}', FEB18, '2014-02-18 {unknown}'],
  ])('renders %s (reader at %o) as "%s"', (template, options, expected) => {
    expect(Mrkdwn.formatDate(EXAMPLE, template, options)).toBe(expected);
  });

  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [23, '23rd'],
  ])('writes day %i as %s', (day, expected) => {
    const seconds = Date.UTC(2026, 0, day, 12) / 1000;
    expect(Mrkdwn.formatDate(seconds, '{date}', at('2027-06-01T00:00:00Z'))).toBe(
      `January ${expected}, 2026`,
    );
  });
});

/** Every .ts file under `dir`, at any depth. */
const tsFilesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFilesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });

/** The emoji names `pattern` (its first group) finds in the .ts files under `dir`. */
const shortcodesIn = (dir: string, pattern: RegExp): string[] =>
  tsFilesUnder(dir).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].flatMap((match) =>
      match[1] === undefined ? [] : [match[1]],
    ),
  );

describe('emoji shortcodes on the local workspace page', () => {
  it('has every shortcode the bot writes', () => {
    const src = join(__dirname, '..', '..', 'src');
    const used = new Set<string>([
      ...shortcodesIn(join(src, 'slack'), /(?<![\w:]):([a-z][a-z0-9_]+):(?![\w:])/g),
      ...shortcodesIn(join(src, 'workflows'), /['`\s]:([a-z][a-z0-9_]+):[\s'`]/g),
    ]);
    expect(used.size).toBeGreaterThan(0);
    expect([...used].filter((name) => Mrkdwn.EMOJI[name] === undefined)).toEqual([]);
  });

  it.each([
    'white_check_mark',
    'x',
    'alarm_clock',
    'scissors',
    'warning',
    'lock',
    'unlock',
    'hourglass',
    'rotating_light',
    'no_entry',
    'key',
    'hourglass_flowing_sand',
    'tada',
    'wave',
  ])('renders :%s: as one emoji', (name) => {
    const [node] = Mrkdwn.parse(`:${name}:`) as Array<{ type: string; text: string }>;
    expect(node?.type).toBe('emoji');
    expect(node?.text).toMatch(/^\p{Extended_Pictographic}\ufe0f?$/u);
  });
});

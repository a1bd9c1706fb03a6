import { DEFAULT_DATE_FORMAT, slackDate, utcFallback } from '../../src/slack/blocks/dates';
import { slackDate as fromText } from '../../src/slack/blocks/text';

// The local workspace's renderer: what a reader sees for the token the bot writes.
const Mrkdwn = require('../../local/web/mrkdwn.js') as {
  parse(text: string, lookup?: { dates?: { now: Date; timeZone?: string } }): unknown[];
};

const AT = '2026-11-29T10:00:00.000Z';
const EPOCH = 1795946400;

describe('slackDate, the Slack date token for an instant', () => {
  it.each([
    [
      'the default format and a readable UTC fallback',
      [AT],
      `<!date^${EPOCH}^${DEFAULT_DATE_FORMAT}|2026-11-29 10:00 UTC>`,
    ],
    [
      'a format with text around the tokens',
      [AT, 'ends {date_long} at {time}'],
      `<!date^${EPOCH}^ends {date_long} at {time}|2026-11-29 10:00 UTC>`,
    ],
    [
      'a given fallback, escaped',
      [AT, '{date_num}', 'Sun <10:00>'],
      `<!date^${EPOCH}^{date_num}|Sun &lt;10:00&gt;>`,
    ],
    [
      'an https link',
      [AT, '{time}', undefined, 'https://example.com/r/1'],
      `<!date^${EPOCH}^{time}^https://example.com/r/1|2026-11-29 10:00 UTC>`,
    ],
    [
      'no link for a javascript: address',
      [AT, '{time}', undefined, 'javascript:alert(1)'],
      `<!date^${EPOCH}^{time}|2026-11-29 10:00 UTC>`,
    ],
    [
      'delimiters in the format neutralized',
      [AT, '{time}|x>'],
      `<!date^${EPOCH}^{time} x |2026-11-29 10:00 UTC>`,
    ],
    ['the fallback as plain text for an unparseable instant', ['', '{time}', 'soon'], 'soon'],
    ['a neutral phrase for an unparseable instant without fallback', ['not a date'], 'an unknown time'],
  ] as const)('writes %s', (_name, args, expected) => {
    const [iso, format, fallback, link] = args as readonly [string, string?, string?, string?];
    expect(slackDate(iso, format, fallback, link)).toBe(expected);
  });

  it('is the same helper text.ts has always exported', () => {
    expect(fromText).toBe(slackDate);
  });

  it('pads the UTC fallback', () => {
    expect(utcFallback(new Date('2027-01-02T03:04:05Z'))).toBe('2027-01-02 03:04 UTC');
  });

  it("reads, in the local workspace, in the reader's time zone", () => {
    const token = slackDate(AT);
    const dates = { now: new Date('2026-11-29T08:00:00Z') };
    expect(Mrkdwn.parse(token, { dates: { ...dates, timeZone: 'Europe/Paris' } })).toEqual([
      { type: 'date', text: 'Today at 11:00 AM', iso: AT, fallback: '2026-11-29 10:00 UTC' },
    ]);
    expect(Mrkdwn.parse(token, { dates: { ...dates, timeZone: 'America/Los_Angeles' } })).toEqual([
      { type: 'date', text: 'Today at 2:00 AM', iso: AT, fallback: '2026-11-29 10:00 UTC' },
    ]);
    expect(
      Mrkdwn.parse(token, { dates: { now: new Date('2026-11-28T09:00:00Z'), timeZone: 'Pacific/Auckland' } }),
    ).toEqual([{ type: 'date', text: 'Tomorrow at 11:00 PM', iso: AT, fallback: '2026-11-29 10:00 UTC' }]);
  });
});

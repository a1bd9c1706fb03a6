import fc from 'fast-check';
import { neutralizeBroadcasts } from '../../src/slack/blocks/text';

// What Slack reads as a broadcast (<!here>, <!channel>, <!everyone>, the legacy <!group>) or a user-group
// mention (<!subteam^S…>): it needs a literal "<!" before the keyword. Matched case-insensitively,
// to be stricter than Slack.
const PING = /<!(?:here|channel|everyone|group|subteam\^)/i;

describe('neutralizeBroadcasts', () => {
  it.each([
    ['a broadcast', 'on-call <!channel>', 'on-call @channel'],
    ['a labelled broadcast', 'hey <!here|here>', 'hey @here'],
    ['a user-group mention', 'ask <!subteam^S0123ABC|@devs>', 'ask @devs'],
    ['a nested broadcast', '<!channel|<!here>>', '@&lt;!here>'],
    ['a broadcast nested twice', '<!channel|<!channel|<!here>>>', '@&lt;!channel|&lt;!here>>'],
    ['an unclosed broadcast', 'wait <!here now', 'wait &lt;!here now'],
    ['another letter case', '<!HERE>', '&lt;!HERE>'],
    [
      'a broadcast inside the bot’s own date token',
      '<!date^1700000000^{date}|<!here>>',
      '<!date^1700000000^{date}|@here>',
    ],
    [
      'a user mention and a date token, which stay',
      '<@U0ALICE> at <!date^1^{time}|then>',
      '<@U0ALICE> at <!date^1^{time}|then>',
    ],
    ['text Slack already escaped', 'a &lt;!here&gt; b', 'a &lt;!here&gt; b'],
  ])('turns %s into text that pings nobody', (_name, input, output) => {
    expect(neutralizeBroadcasts(input)).toBe(output);
  });

  // Strings built from the pieces that matter, so nesting and near-misses are common, plus any string.
  const pieces = fc.constantFrom(
    '<',
    '>',
    '!',
    '|',
    '@',
    '^',
    '<!',
    'here',
    'HeRe',
    'channel',
    'everyone',
    'group',
    'subteam^S1',
    'date^1^{t}',
    '&lt;',
    'a',
    ' ',
  );
  const slackish = fc.oneof(
    fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')),
    fc.string({ unit: 'binary' }),
  );

  it('is a fixed point and never leaves a broadcast or user-group mention (property)', () => {
    fc.assert(
      fc.property(slackish, (text) => {
        const once = neutralizeBroadcasts(text);
        expect(neutralizeBroadcasts(once)).toBe(once);
        expect(once).not.toMatch(PING);
      }),
      { numRuns: 5000 },
    );
  });
});

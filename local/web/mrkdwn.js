// Slack mrkdwn -> a tree of plain nodes. Pure and DOM-free, so the page turns the tree into elements
// with textContent only (no innerHTML anywhere), and jest tests the parser directly.
// Node types: text, bold, italic, strike, code, pre, br, user, channel, broadcast, link, emoji.
((root, factory) => {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.Mrkdwn = factory();
})(typeof self !== 'undefined' ? self : this, () => {
  const EMOJI = {
    white_check_mark: '\u2705',
    heavy_check_mark: '\u2714\ufe0f',
    ballot_box_with_check: '\u2611\ufe0f',
    no_entry: '\u26d4',
    no_entry_sign: '\ud83d\udeab',
    x: '\u274c',
    warning: '\u26a0\ufe0f',
    hourglass: '\u231b',
    hourglass_flowing_sand: '\u23f3',
    inbox_tray: '\ud83d\udce5',
    gear: '\u2699\ufe0f',
    mag: '\ud83d\udd0d',
    information_source: '\u2139\ufe0f',
    rewind: '\u23ea',
    lock: '\ud83d\udd12',
    key: '\ud83d\udd11',
    rocket: '\ud83d\ude80',
    tada: '\ud83c\udf89',
    wave: '\ud83d\udc4b',
    rotating_light: '\ud83d\udea8',
    shield: '\ud83d\udee1\ufe0f',
    arrows_counterclockwise: '\ud83d\udd04',
    wastebasket: '\ud83d\uddd1\ufe0f',
    clock3: '\ud83d\udd52',
    thumbsup: '\ud83d\udc4d',
    eyes: '\ud83d\udc40',
  };

  // Slack escapes exactly these three in message text; everything else arrives as typed.
  function decodeEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  const SAFE_URL = /^(https?:\/\/|mailto:)/i;

  function angleToken(body, lookup) {
    const bar = body.indexOf('|');
    const target = bar === -1 ? body : body.slice(0, bar);
    const label = bar === -1 ? undefined : decodeEntities(body.slice(bar + 1));
    const first = target.charAt(0);
    if (first === '@') {
      const userId = target.slice(1);
      return { type: 'user', id: userId, label: `@${lookup.user(userId) || label || userId}` };
    }
    if (first === '#') {
      const channelId = target.slice(1);
      return {
        type: 'channel',
        id: channelId,
        label: `#${lookup.channel(channelId) || label || channelId}`,
      };
    }
    if (first === '!') {
      const special = target.slice(1);
      if (special.indexOf('date^') === 0) return { type: 'text', text: label || special };
      if (special.indexOf('subteam^') === 0) return { type: 'broadcast', label: label || '@group' };
      if (special === 'here' || special === 'channel' || special === 'everyone') {
        return { type: 'broadcast', label: `@${special}` };
      }
      return { type: 'text', text: label || special };
    }
    const url = decodeEntities(target);
    if (SAFE_URL.test(url)) return { type: 'link', url: url, label: label || url };
    return { type: 'text', text: `<${decodeEntities(body)}>` };
  }

  // One alternation, tried left to right at the earliest position: code spans first, so nothing inside
  // them is formatted; bold/italic/strike need a non-word character (or an edge) on both sides.
  const INLINE = new RegExp(
    [
      '`([^`\\n]+)`',
      '<([^<>\\n]+)>',
      ':([a-z0-9_+\\-]+):',
      '(?:^|(?<=[^\\w*]))\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?=$|[^\\w*])',
      '(?:^|(?<=[^\\w_]))_(?!\\s)([^_\\n]+?)(?<!\\s)_(?=$|[^\\w_])',
      '(?:^|(?<=[^\\w~]))~(?!\\s)([^~\\n]+?)(?<!\\s)~(?=$|[^\\w~])',
      '(\\n)',
    ].join('|'),
    'g',
  );

  function inline(text, lookup, out) {
    let last = 0;
    let match;
    // Bold and italic recurse into this function, so each call needs its own lastIndex.
    const re = new RegExp(INLINE.source, 'g');
    for (match = re.exec(text); match !== null; match = re.exec(text)) {
      if (match.index > last) out.push({ type: 'text', text: decodeEntities(text.slice(last, match.index)) });
      if (match[1] !== undefined) out.push({ type: 'code', text: decodeEntities(match[1]) });
      else if (match[2] !== undefined) out.push(angleToken(match[2], lookup));
      else if (match[3] !== undefined) {
        const emoji = EMOJI[match[3]];
        out.push(emoji ? { type: 'emoji', name: match[3], text: emoji } : { type: 'text', text: match[0] });
      } else if (match[4] !== undefined) out.push({ type: 'bold', children: inline(match[4], lookup, []) });
      else if (match[5] !== undefined) out.push({ type: 'italic', children: inline(match[5], lookup, []) });
      else if (match[6] !== undefined) out.push({ type: 'strike', children: inline(match[6], lookup, []) });
      else out.push({ type: 'br' });
      last = re.lastIndex;
    }
    if (last < text.length) out.push({ type: 'text', text: decodeEntities(text.slice(last)) });
    return out;
  }

  /** Parses mrkdwn. lookup: { user(id) -> name|undefined, channel(id) -> name|undefined }. */
  function parse(text, lookup) {
    const names = lookup || {};
    const safeLookup = {
      user: names.user || (() => {}),
      channel: names.channel || (() => {}),
    };
    const out = [];
    const parts = String(text).split(/```([\s\S]*?)```/);
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i];
      if (i % 2 === 1) {
        out.push({ type: 'pre', text: decodeEntities(part.replace(/^\n/, '')) });
        continue;
      }
      // "- item" lines read as bullets, as Slack renders them.
      inline(part.replace(/(^|\n)- /g, '$1\u2022 '), safeLookup, out);
    }
    return out;
  }

  return { parse: parse, decodeEntities: decodeEntities, EMOJI: EMOJI };
});

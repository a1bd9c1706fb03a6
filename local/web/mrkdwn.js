// Slack mrkdwn -> a tree of plain nodes. Pure and DOM-free, so the page turns the tree into elements
// with textContent only (no innerHTML anywhere), and jest tests the parser directly.
// Node types: text, bold, italic, strike, code, pre, br, user, channel, broadcast, link, emoji, date.
((root, factory) => {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.Mrkdwn = factory();
})(typeof self !== 'undefined' ? self : this, () => {
  // Shortcode -> Unicode for every shortcode the bot writes and the common ones people type. Anything
  // else stays as typed, as Slack shows a shortcode it does not know.
  const EMOJI = {
    white_check_mark: '\u2705',
    heavy_check_mark: '\u2714\ufe0f',
    ballot_box_with_check: '\u2611\ufe0f',
    x: '\u274c',
    heavy_multiplication_x: '\u2716\ufe0f',
    no_entry: '\u26d4',
    no_entry_sign: '\ud83d\udeab',
    warning: '\u26a0\ufe0f',
    rotating_light: '\ud83d\udea8',
    alarm_clock: '\u23f0',
    hourglass: '\u231b',
    hourglass_flowing_sand: '\u23f3',
    stopwatch: '\u23f1\ufe0f',
    timer_clock: '\u23f2\ufe0f',
    clock3: '\ud83d\udd52',
    calendar: '\ud83d\udcc6',
    date: '\ud83d\udcc5',
    scissors: '\u2702\ufe0f',
    lock: '\ud83d\udd12',
    unlock: '\ud83d\udd13',
    closed_lock_with_key: '\ud83d\udd10',
    key: '\ud83d\udd11',
    old_key: '\ud83d\udddd\ufe0f',
    shield: '\ud83d\udee1\ufe0f',
    inbox_tray: '\ud83d\udce5',
    outbox_tray: '\ud83d\udce4',
    envelope: '\u2709\ufe0f',
    incoming_envelope: '\ud83d\udce8',
    bell: '\ud83d\udd14',
    no_bell: '\ud83d\udd15',
    gear: '\u2699\ufe0f',
    wrench: '\ud83d\udd27',
    hammer_and_wrench: '\ud83d\udee0\ufe0f',
    mag: '\ud83d\udd0d',
    information_source: '\u2139\ufe0f',
    question: '\u2753',
    exclamation: '\u2757',
    heavy_plus_sign: '\u2795',
    heavy_minus_sign: '\u2796',
    rewind: '\u23ea',
    leftwards_arrow_with_hook: '\u21a9\ufe0f',
    arrow_right: '\u27a1\ufe0f',
    arrows_counterclockwise: '\ud83d\udd04',
    repeat: '\ud83d\udd01',
    wastebasket: '\ud83d\uddd1\ufe0f',
    fire: '\ud83d\udd25',
    fire_extinguisher: '\ud83e\uddef',
    sos: '\ud83c\udd98',
    rocket: '\ud83d\ude80',
    tada: '\ud83c\udf89',
    wave: '\ud83d\udc4b',
    raised_hand: '\u270b',
    thumbsup: '\ud83d\udc4d',
    '+1': '\ud83d\udc4d',
    thumbsdown: '\ud83d\udc4e',
    '-1': '\ud83d\udc4e',
    eyes: '\ud83d\udc40',
    pray: '\ud83d\ude4f',
    bust_in_silhouette: '\ud83d\udc64',
    busts_in_silhouette: '\ud83d\udc65',
    house: '\ud83c\udfe0',
    memo: '\ud83d\udcdd',
    clipboard: '\ud83d\udccb',
    pushpin: '\ud83d\udccc',
    link: '\ud83d\udd17',
    package: '\ud83d\udce6',
    building_construction: '\ud83c\udfd7\ufe0f',
    construction: '\ud83d\udea7',
    red_circle: '\ud83d\udd34',
    large_green_circle: '\ud83d\udfe2',
    large_yellow_circle: '\ud83d\udfe1',
    large_blue_circle: '\ud83d\udd35',
    white_circle: '\u26aa',
    black_circle: '\u26ab',
    checkered_flag: '\ud83c\udfc1',
    stop_sign: '\ud83d\uded1',
    zap: '\u26a1',
    sparkles: '\u2728',
    bulb: '\ud83d\udca1',
    robot_face: '\ud83e\udd16',
    slightly_smiling_face: '\ud83d\ude42',
    smile: '\ud83d\ude04',
    thinking_face: '\ud83e\udd14',
  };

  // The local workspace's chat.getPermalink gives `/#C…/ts` (a message on this page): safe, same page.
  const SAFE_URL = /^(https?:\/\/|mailto:|\/#[CDG][A-Z0-9]+\/\d+\.\d+$)/i;

  // ---- dates: <!date^UNIX^FORMAT[^LINK]|fallback> -------------------------------------------------
  // Slack shows each reader the time in their own zone; the page does the same with the browser's zone
  // (options.timeZone in tests). Tokens and their output follow Slack's "Formatting dates" reference.
  const MONTHS = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

  function ordinal(day) {
    const tens = day % 100;
    if (tens >= 11 && tens <= 13) return `${day}th`;
    return `${day}${['th', 'st', 'nd', 'rd'][day % 10] || 'th'}`;
  }

  // The calendar fields of an instant in a zone (undefined: the runtime's own zone).
  function fieldsAt(ms, timeZone) {
    const parts = {};
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    for (const part of format.formatToParts(new Date(ms))) parts[part.type] = Number(part.value);
    const weekday = new Date(Date.UTC(parts.year, parts.month - 1, parts.day)).getUTCDay();
    return { ...parts, hour: parts.hour % 24, weekday: weekday };
  }

  const pad = (n) => String(n).padStart(2, '0');

  function relativeDay(at, now) {
    const days = Math.round(
      (Date.UTC(at.year, at.month - 1, at.day) - Date.UTC(now.year, now.month - 1, now.day)) / 86400000,
    );
    return days === 0 ? 'today' : days === -1 ? 'yesterday' : days === 1 ? 'tomorrow' : undefined;
  }

  function ago(ms, nowMs) {
    const seconds = Math.round((nowMs - ms) / 1000);
    const span = Math.abs(seconds);
    const units = [
      [60, 'second', 1],
      [3600, 'minute', 60],
      [86400, 'hour', 3600],
      [86400 * 30, 'day', 86400],
      [86400 * 365, 'month', 86400 * 30],
      [Number.POSITIVE_INFINITY, 'year', 86400 * 365],
    ];
    if (span < 45) return seconds >= 0 ? 'just now' : 'in a few seconds';
    const [, unit, size] = units.find(([limit]) => span < limit);
    const n = Math.max(1, Math.round(span / size));
    const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
    return seconds >= 0 ? `${phrase} ago` : `in ${phrase}`;
  }

  // The date tokens of instant `at`, seen from `now` (the *_pretty ones say today/yesterday/tomorrow).
  function dateTokens(at, now) {
    const month = MONTHS[at.month - 1];
    const dateLong = `${DAYS[at.weekday]}, ${month} ${ordinal(at.day)}, ${at.year}`;
    const date = `${month} ${ordinal(at.day)}, ${at.year}`;
    const dateShort = `${month.slice(0, 3)} ${at.day}, ${at.year}`;
    const day = relativeDay(at, now);
    return {
      date_num: `${at.year}-${pad(at.month)}-${pad(at.day)}`,
      date_slash: `${pad(at.day)}/${pad(at.month)}/${at.year}`,
      date: date,
      date_short: dateShort,
      date_long: dateLong,
      date_long_full: `${month} ${at.day}, ${at.year}`,
      date_pretty: day || date,
      date_short_pretty: day || dateShort,
      date_long_pretty: day || dateLong,
      day_divider_pretty:
        day || (at.year === now.year ? `${DAYS[at.weekday]}, ${month} ${ordinal(at.day)}` : dateLong),
    };
  }

  // The time tokens, on a 12-hour clock with AM/PM unless hour12 is false.
  function timeTokens(at, hour12) {
    const hour = hour12 ? `${at.hour % 12 || 12}` : pad(at.hour);
    const suffix = hour12 ? (at.hour < 12 ? ' AM' : ' PM') : '';
    return {
      time: `${hour}:${pad(at.minute)}${suffix}`,
      time_secs: `${hour}:${pad(at.minute)}:${pad(at.second)}${suffix}`,
    };
  }

  // "today at 3:00 PM" opens a sentence as "Today at 3:00 PM", as Slack writes it.
  function capitalizeRelativeDay(text) {
    return /^(today|yesterday|tomorrow)/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  /**
   * Formats a Slack date template. options: { now: Date, timeZone?: string, hour12?: boolean }.
   * Unknown tokens stay as typed, as Slack leaves them.
   */
  function formatDate(seconds, template, options) {
    const opts = options || {};
    const ms = seconds * 1000;
    const nowMs = (opts.now || new Date()).getTime();
    const at = fieldsAt(ms, opts.timeZone);
    const tokens = {
      ...dateTokens(at, fieldsAt(nowMs, opts.timeZone)),
      ...timeTokens(at, opts.hour12 !== false),
      ago: ago(ms, nowMs),
    };
    const out = template.replace(/\{([a-z_]+)\}/g, (match, name) =>
      Object.hasOwn(tokens, name) ? tokens[name] : match,
    );
    return capitalizeRelativeDay(out);
  }

  // body: "date^UNIX^FORMAT[^LINK]" (after the '!'); label: the fallback after '|'.
  function dateToken(special, label, dates) {
    const fields = special.split('^');
    const seconds = Number(fields[1]);
    const template = fields[2];
    const fallback = label || special;
    if (!/^-?\d+$/.test(fields[1] || '') || !template) return { type: 'text', text: fallback };
    const node = {
      type: 'date',
      text: formatDate(seconds, template, dates),
      iso: new Date(seconds * 1000).toISOString(),
      fallback: fallback,
    };
    const link = fields.slice(3).join('^');
    if (link && SAFE_URL.test(decodeEntities(link))) node.url = decodeEntities(link);
    return node;
  }

  // Slack escapes exactly these three in message text; everything else arrives as typed.
  function decodeEntities(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  const BROADCASTS = ['here', 'channel', 'everyone'];

  // <!…>: a date, a user group, a broadcast, or another special shown by its label.
  function specialToken(special, label, lookup) {
    if (special.indexOf('date^') === 0) return dateToken(special, label, lookup.dates);
    if (special.indexOf('subteam^') === 0) return { type: 'broadcast', label: label || '@group' };
    if (BROADCASTS.includes(special)) return { type: 'broadcast', label: `@${special}` };
    return { type: 'text', text: label || special };
  }

  // What follows `<` decides the token: @user, #channel, !special; anything else is a link.
  const SIGILS = {
    '@': (userId, label, lookup) => ({
      type: 'user',
      id: userId,
      label: `@${lookup.user(userId) || label || userId}`,
    }),
    '#': (channelId, label, lookup) => ({
      type: 'channel',
      id: channelId,
      label: `#${lookup.channel(channelId) || label || channelId}`,
    }),
    '!': specialToken,
  };

  // <url|label>: a link only to a safe URL; anything else is shown as typed, brackets and all.
  function linkToken(target, label, body) {
    const url = decodeEntities(target);
    if (SAFE_URL.test(url)) return { type: 'link', url: url, label: label || url };
    return { type: 'text', text: `<${decodeEntities(body)}>` };
  }

  function angleToken(body, lookup) {
    const bar = body.indexOf('|');
    const target = bar === -1 ? body : body.slice(0, bar);
    const label = bar === -1 ? undefined : decodeEntities(body.slice(bar + 1));
    const first = target.charAt(0);
    if (Object.hasOwn(SIGILS, first)) return SIGILS[first](target.slice(1), label, lookup);
    return linkToken(target, label, body);
  }

  const emojiNode = (name, typed) => {
    // Own keys only: `:constructor:` is typed text, not Object.prototype.constructor.
    const emoji = Object.hasOwn(EMOJI, name) ? EMOJI[name] : undefined;
    return emoji ? { type: 'emoji', name: name, text: emoji } : { type: 'text', text: typed };
  };

  // Each inline pattern (exactly one capture group each) and the node its match becomes.
  const INLINE_RULES = [
    ['`([^`\\n]+)`', (inner) => ({ type: 'code', text: decodeEntities(inner) })],
    ['<([^<>\\n]+)>', (inner, lookup) => angleToken(inner, lookup)],
    [':([a-z0-9_+\\-]+):', (inner, _lookup, typed) => emojiNode(inner, typed)],
    [
      '(?:^|(?<=[^\\w*]))\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?=$|[^\\w*])',
      (inner, lookup) => ({ type: 'bold', children: inline(inner, lookup, []) }),
    ],
    [
      '(?:^|(?<=[^\\w_]))_(?!\\s)([^_\\n]+?)(?<!\\s)_(?=$|[^\\w_])',
      (inner, lookup) => ({ type: 'italic', children: inline(inner, lookup, []) }),
    ],
    [
      '(?:^|(?<=[^\\w~]))~(?!\\s)([^~\\n]+?)(?<!\\s)~(?=$|[^\\w~])',
      (inner, lookup) => ({ type: 'strike', children: inline(inner, lookup, []) }),
    ],
    ['(\\n)', () => ({ type: 'br' })],
  ];

  // One alternation, tried left to right at the earliest position: code spans first, so nothing inside
  // them is formatted; bold/italic/strike need a non-word character (or an edge) on both sides.
  const INLINE = new RegExp(INLINE_RULES.map(([pattern]) => pattern).join('|'), 'g');

  // The node of one match: rule i's capture group is group i + 1.
  function inlineNode(match, lookup) {
    const rule = INLINE_RULES.findIndex((_rule, i) => match[i + 1] !== undefined);
    return INLINE_RULES[rule][1](match[rule + 1], lookup, match[0]);
  }

  const textNode = (text) => ({ type: 'text', text: decodeEntities(text) });

  function inline(text, lookup, out) {
    let last = 0;
    // Bold and italic recurse into this function, so each call needs its own lastIndex.
    const re = new RegExp(INLINE.source, 'g');
    for (let match = re.exec(text); match !== null; match = re.exec(text)) {
      if (match.index > last) out.push(textNode(text.slice(last, match.index)));
      out.push(inlineNode(match, lookup));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(textNode(text.slice(last)));
    return out;
  }

  /** Text whose lines starting with `>` (sent as `&gt;`) are block quotes, as Slack renders them. */
  function quotedLines(text, lookup, out) {
    const lines = text.split('\n');
    let plain = [];
    const flush = (more) => {
      if (plain.length > 0) inline(plain.join('\n') + (more ? '\n' : ''), lookup, out);
      plain = [];
    };
    lines.forEach((line) => {
      const quote = /^(?:>|&gt;)\s?(.*)$/.exec(line);
      if (!quote) {
        plain.push(line);
        return;
      }
      flush(true);
      out.push({ type: 'quote', children: inline(quote[1], lookup, []) });
    });
    flush(false);
    return out;
  }

  /**
   * Parses mrkdwn. lookup: { user(id) -> name|undefined, channel(id) -> name|undefined, dates? } where
   * dates is formatDate's options ({ now, timeZone, hour12 }); without it, dates use the clock and zone
   * of the runtime (the browser's).
   */
  function parse(text, lookup) {
    const names = lookup || {};
    const safeLookup = {
      user: names.user || (() => {}),
      channel: names.channel || (() => {}),
      dates: names.dates,
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
      quotedLines(part.replace(/(^|\n)- /g, '$1\u2022 '), safeLookup, out);
    }
    return out;
  }

  return { parse: parse, decodeEntities: decodeEntities, formatDate: formatDate, EMOJI: EMOJI };
});

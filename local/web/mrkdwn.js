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

  /**
   * Formats a Slack date template. options: { now: Date, timeZone?: string, hour12?: boolean }.
   * Unknown tokens stay as typed, as Slack leaves them.
   */
  function formatDate(seconds, template, options) {
    const opts = options || {};
    const ms = seconds * 1000;
    const nowMs = (opts.now || new Date()).getTime();
    const at = fieldsAt(ms, opts.timeZone);
    const now = fieldsAt(nowMs, opts.timeZone);
    const month = MONTHS[at.month - 1];
    const dateLong = `${DAYS[at.weekday]}, ${month} ${ordinal(at.day)}, ${at.year}`;
    const date = `${month} ${ordinal(at.day)}, ${at.year}`;
    const dateShort = `${month.slice(0, 3)} ${at.day}, ${at.year}`;
    const h12 = opts.hour12 !== false;
    const hour = h12 ? `${at.hour % 12 || 12}` : pad(at.hour);
    const suffix = h12 ? (at.hour < 12 ? ' AM' : ' PM') : '';
    const day = relativeDay(at, now);
    const tokens = {
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
      time: `${hour}:${pad(at.minute)}${suffix}`,
      time_secs: `${hour}:${pad(at.minute)}:${pad(at.second)}${suffix}`,
      ago: ago(ms, nowMs),
    };
    const out = template.replace(/\{([a-z_]+)\}/g, (match, name) =>
      Object.hasOwn(tokens, name) ? tokens[name] : match,
    );
    // "today at 3:00 PM" opens a sentence as "Today at 3:00 PM", as Slack writes it.
    return /^(today|yesterday|tomorrow)/.test(out) ? out.charAt(0).toUpperCase() + out.slice(1) : out;
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
      if (special.indexOf('date^') === 0) return dateToken(special, label, lookup.dates);
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

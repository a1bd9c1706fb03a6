import { parse as parseQuery } from 'node:querystring';
import { ACTION_IDS, DENY_MODAL, EVENT_TYPES, EXTEND_MODAL, REQUEST_FORM, SLASH_COMMAND } from './ids';
import { decodeLambdaBody, headerValue, verifySlackSignature } from './verify-signature';

/** An API Gateway event as both payload formats (v1 and v2) share it. */
export interface HttpEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
}

export interface HttpResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export type GateResult =
  | { ok: true; rawBody: string; contentType: 'application/x-www-form-urlencoded' | 'application/json' }
  | { ok: false; response: HttpResponse; reason: string };

const reject = (statusCode: number, reason: string): GateResult => ({
  ok: false,
  reason,
  response: {
    statusCode,
    headers: { 'content-type': 'text/plain' },
    body: statusCode === 401 ? '' : 'Bad request',
  },
});

// The request form's tier and action selects dispatch their pick (dispatch_action) so the form follows them.
const OUR_ACTIONS = new Set<string>([
  ...Object.values(ACTION_IDS),
  REQUEST_FORM.actions.tier,
  REQUEST_FORM.actions.action,
  REQUEST_FORM.actions.account,
]);
const OUR_VIEWS = new Set<string>([DENY_MODAL.callbackId, REQUEST_FORM.callbackId, EXTEND_MODAL.callbackId]);
const OUR_SHORTCUTS = new Set<string>([REQUEST_FORM.shortcutCallbackId]);

type Interaction = {
  type?: unknown;
  user?: { id?: unknown } | null;
  actions?: Array<{ action_id?: unknown }> | null;
  view?: { callback_id?: unknown } | null;
  callback_id?: unknown;
};

/** Per interaction type: where its listener id is, the ids we listen for, and the refusal otherwise. */
interface InteractionListeners {
  listenerId: (p: Interaction) => unknown;
  ours: ReadonlySet<string>;
  unknown: string;
}

// A Map, not an object: a forged `type` such as "constructor" must not find a prototype member.
const INTERACTION_LISTENERS = new Map<unknown, InteractionListeners>([
  [
    'block_actions',
    {
      listenerId: (p) => (Array.isArray(p.actions) ? p.actions[0]?.action_id : undefined),
      ours: OUR_ACTIONS,
      unknown: 'unknown action',
    },
  ],
  ['view_submission', { listenerId: (p) => p.view?.callback_id, ours: OUR_VIEWS, unknown: 'unknown view' }],
  ['shortcut', { listenerId: (p) => p.callback_id, ours: OUR_SHORTCUTS, unknown: 'unknown shortcut' }],
]);

/** Why Bolt would have no listener for this interaction (so it would never be acked), or undefined. */
function unhandledInteraction(payload: unknown): string | undefined {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Interaction;
  if (typeof p.user?.id !== 'string' || p.user.id === '') return 'interaction without a user';
  const listeners = INTERACTION_LISTENERS.get(p.type);
  if (listeners === undefined) return 'unhandled interaction type';
  const id = listeners.listenerId(p);
  return typeof id === 'string' && listeners.ours.has(id) ? undefined : listeners.unknown;
}

const OUR_EVENTS = new Set<string>(Object.values(EVENT_TYPES));

/**
 * Why Bolt would have nothing to do with this Events API body, or undefined. Slack sends two shapes as
 * JSON: `{type: 'url_verification', challenge, token}` when the Request URL is set (Bolt answers the
 * challenge), and `{type: 'event_callback', event: {type, user, …}, …}` for a subscribed event.
 */
function unhandledEvent(rawBody: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return 'body is not JSON';
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as {
    type?: unknown;
    challenge?: unknown;
    event?: { type?: unknown; user?: unknown } | null;
  };
  if (b.type === 'url_verification') {
    return typeof b.challenge === 'string' && b.challenge !== ''
      ? undefined
      : 'url_verification without a challenge';
  }
  if (b.type !== 'event_callback') return 'unhandled event envelope';
  if (typeof b.event?.type !== 'string' || !OUR_EVENTS.has(b.event.type)) return 'unknown event';
  return typeof b.event.user === 'string' && b.event.user !== '' ? undefined : 'event without a user';
}

/** Why a form-encoded body is not ours (an interaction payload or our slash command), or undefined. */
function unhandledForm(form: ReturnType<typeof parseQuery>): string | undefined {
  if (typeof form.payload === 'string') {
    let payload: unknown;
    try {
      payload = JSON.parse(form.payload);
    } catch {
      return 'payload is not JSON';
    }
    return unhandledInteraction(payload);
  }
  if (form.command !== SLASH_COMMAND) return 'unknown command';
  for (const field of ['user_id', 'team_id', 'trigger_id', 'channel_id'] as const) {
    if (typeof form[field] !== 'string' || form[field] === '') return `missing ${field}`;
  }
  return undefined;
}

/**
 * Everything that must hold before Bolt sees a request: a valid signature within ±300 s, a body decoded
 * as UTF-8, and a payload this app handles. Anything else gets 401 or 400 here, so no malformed input
 * can reach Bolt (whose body parser throws on bad JSON and answers 500).
 */
export function gateSlackRequest(event: HttpEvent, signingSecret: string, nowSeconds: number): GateResult {
  const rawBody = decodeLambdaBody(event);
  const verdict = verifySlackSignature({
    signingSecret,
    timestamp: headerValue(event.headers, 'x-slack-request-timestamp'),
    signature: headerValue(event.headers, 'x-slack-signature'),
    rawBody,
    nowSeconds,
  });
  if (!verdict.ok) return reject(401, verdict.reason);
  const contentType = (headerValue(event.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType === 'application/json') {
    const reason = unhandledEvent(rawBody);
    return reason === undefined ? { ok: true, rawBody, contentType } : reject(400, reason);
  }
  if (contentType !== 'application/x-www-form-urlencoded') return reject(400, 'unsupported content type');
  const reason = unhandledForm(parseQuery(rawBody));
  if (reason !== undefined) return reject(400, reason);
  return { ok: true, rawBody, contentType };
}

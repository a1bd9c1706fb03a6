import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEvent, HttpResponse } from '../../slack/http-gate';

/**
 * Serves the slack Lambda's handler over plain HTTP: each request becomes the API Gateway HTTP API
 * (payload 2.0) event the Lambda receives, so the same signature gate, Bolt parsing and listeners run.
 */

export type LambdaHttpHandler = (event: HttpEvent) => Promise<HttpResponse>;

export interface ApiGatewayV2Event extends HttpEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
  requestContext: {
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
}

let requestCounter = 0;

/** The HTTP API v2 event for a request whose body has been read as UTF-8. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  body: string,
  now: Date = new Date(),
): ApiGatewayV2Event {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  // Node lowercases header names, as API Gateway v2 does; repeated headers are joined with commas.
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const method = req.method ?? 'GET';
  requestCounter += 1;
  return {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    body,
    isBase64Encoded: false,
    requestContext: {
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${now.getTime()}-${requestCounter}`,
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** Calls the handler with the request's event and writes its answer back. */
export async function serveLambda(
  handler: LambdaHttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
): Promise<void> {
  const response = await handler(toApiGatewayEvent(req, body));
  const text = response.body ?? '';
  res.writeHead(response.statusCode, {
    ...(response.headers ?? {}),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The physical floor of `npm run bench`: a Lambda that only checks a Slack signature with node:crypto
 * and answers 200. Nothing can ack a signed request with less work.
 */
interface FloorEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
}

export const handler = async (event: FloorEvent): Promise<{ statusCode: number; body: string }> => {
  const secret = process.env.SLACK_SIGNING_SECRET ?? '';
  const timestamp = event.headers?.['x-slack-request-timestamp'] ?? '';
  const signature = Buffer.from(event.headers?.['x-slack-signature'] ?? '');
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body;
  const expected = Buffer.from(
    `v0=${createHmac('sha256', secret)
      .update(`v0:${timestamp}:${body ?? ''}`)
      .digest('hex')}`,
  );
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
  const valid = signature.length === expected.length && timingSafeEqual(signature, expected);
  return { statusCode: fresh && valid ? 200 : 401, body: '' };
};

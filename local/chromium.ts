import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install -y chromium); playwright-core downloads no browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Chromium as `npm run screenshot` and the browser test drive the local workspace: headless, and quiet
 * on the network (no QUIC, updates, sync or background fetches), since the page talks only to loopback.
 */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REQUEST_FORM } from '../../src/slack/ids';

// The shortcut the bot listens for must be the one the Slack app (manifest.yml) and the local workspace
// (local/fixtures/workspace.json) offer, or the ⚡ menu shows an entry that nothing answers.

const root = join(__dirname, '..', '..');

describe('the request form shortcut', () => {
  it('manifest.yml registers it as a global shortcut with the callback id the bot listens for', () => {
    const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as {
      features: {
        shortcuts?: Array<{ type: string; callback_id: string; name: string; description: string }>;
      };
    };
    const shortcut = manifest.features.shortcuts?.find(
      (s) => s.callback_id === REQUEST_FORM.shortcutCallbackId,
    );
    expect(shortcut).toMatchObject({ type: 'global' });
    // Slack's manifest limits: name ≤ 24 characters, description ≤ 150.
    expect(shortcut?.name.length).toBeLessThanOrEqual(24);
    expect(shortcut?.description.length).toBeLessThanOrEqual(150);
  });

  it('the local workspace offers it in its shortcut menu', () => {
    const fixture = JSON.parse(readFileSync(join(root, 'local', 'fixtures', 'workspace.json'), 'utf8')) as {
      app: { shortcuts?: Array<{ callbackId: string }> };
    };
    expect(fixture.app.shortcuts?.map((s) => s.callbackId)).toContain(REQUEST_FORM.shortcutCallbackId);
  });
});

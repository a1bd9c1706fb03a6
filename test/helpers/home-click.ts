import type { Harness } from './harness';
import { rawSignedEvent, TEST_SIGNING_SECRET } from './signed-event';

/**
 * A signed click on a Home-tab button into the slack handler, as Slack sends it: the container is the
 * view and there is no channel (so no ephemeral can answer it).
 */
export const homeClick = (
  h: Harness,
  userId: string,
  actionId: string,
  requestId: string,
  blockId = `home:${requestId}`,
) =>
  h.handler(
    rawSignedEvent({
      secret: TEST_SIGNING_SECRET,
      body: new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: userId, username: userId, name: userId, team_id: 'T0TEAM' },
          api_app_id: 'A0APP',
          token: 'deprecated',
          container: { type: 'view', view_id: 'VHOME' },
          trigger_id: '1.2.abc',
          team: { id: 'T0TEAM', domain: 'testteam' },
          view: { id: 'VHOME', type: 'home', blocks: [], state: { values: {} } },
          actions: [
            {
              action_id: actionId,
              block_id: blockId,
              text: { type: 'plain_text', text: 'x' },
              value: requestId,
              type: 'button',
              action_ts: '1.3',
            },
          ],
        }),
      }).toString(),
    }),
  );

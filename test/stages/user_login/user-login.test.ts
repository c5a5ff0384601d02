/**
 * The user_login settings an enrollment applies to the session it signs in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTestApp } from '../../helpers/test-app.js';
import { unique } from '../../helpers/factories.js';
import { FlowBrowser } from '../../helpers/flow-client.js';
import { answers, buildEnrollmentFlow, createInvitation } from '../../helpers/enrollment.js';

const t = await buildTestApp();

describe('user_write and user_login settings', () => {
  test('a non-zero session_duration gives a persistent cookie of that age', async () => {
    const e = await buildEnrollmentFlow(t);
    await t.client.patch(`/api/v3/stages/user_login/${e.userLoginStage.pk}/`, {
      session_duration: 'hours=2',
    });
    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    const done = await browser.request(
      'POST',
      FlowBrowser.executorUrl(e.flow.slug, `itoken=${invitation.pk}`),
      answers(unique('persist')),
    );
    const cookie = ([] as string[])
      .concat(done.headers['set-cookie'] as string[])
      .find((c) => c.startsWith('authentik_session='));
    assert.match(String(cookie), /Max-Age=7200;/);
  });
});

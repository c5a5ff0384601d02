import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createFlow, unique } from '../../helpers/factories.js';
import { assertAccessible, startAdminBrowser } from '../../helpers/admin-browser.js';

const REFUSED = 'nobody@example.com';
const accepted: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address === REFUSED) {
      const error = new Error('5.1.1 Mailbox unavailable') as Error & { responseCode: number };
      error.responseCode = 550;
      return callback(error);
    }
    accepted.push(address.address);
    callback();
  },
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => callback());
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

const ui = await startAdminBrowser({
  AUTHENTIK_EMAIL__HOST: '127.0.0.1',
  AUTHENTIK_EMAIL__PORT: String((smtp.server.address() as AddressInfo).port),
  AUTHENTIK_EMAIL__FROM: 'tessera@example.org',
  TESSERA_EXTERNAL_URL: 'https://id.example.org',
});

test('sending an invitation by email shows the result per address', async () => {
  const flow = await createFlow(ui.t, { designation: 'enrollment' });
  const name = unique('mailed');
  const created = await ui.t.client.post('/api/v3/stages/invitation/invitations/', { name, flow: flow.pk });
  const { page, errors } = await ui.open(`invitations/${created.body.pk}`);
  await page.getByRole('button', { name: 'Send by email' }).click();
  const dialog = page.getByRole('dialog', { name: `Send ${name} by email` });
  await dialog.getByLabel('Email addresses').fill(`jane@example.com, ${REFUSED}`);
  await assertAccessible(page, 'send by email');
  await dialog.getByRole('button', { name: 'Send' }).click();
  // The server queues the messages and answers at once; this app's worker runs on request.
  await dialog.getByText('Queued: the messages are being sent.').waitFor();
  await ui.t.app.runTask('deliver_outbox');
  await dialog.getByRole('button', { name: 'Check again' }).click();
  await dialog.getByText('Some addresses were refused; the others were sent or are queued.').waitFor();
  const results = await dialog.locator('.ak-send-results li').allInnerTexts();
  assert.deepEqual(results, [
    'jane@example.com: sent',
    `${REFUSED}: refused (550 5.1.1 Mailbox unavailable)`,
  ]);
  assert.deepEqual(accepted, ['jane@example.com']);
  assert.equal(errors.length, 0, errors.join('\n'));
});

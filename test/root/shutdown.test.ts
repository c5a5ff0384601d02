/**
 * Bounded shutdown (src/root/shutdown.ts): a request in flight when the shutdown starts is
 * answered, new connections are refused, and a request that is still running once the grace
 * period is over has its connection closed so the shutdown ends. The slow request is a real
 * one: a POST whose body arrives late.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { closeWithin, trackRequests, type RequestTracker } from '../../src/root/shutdown.js';
import { ADMIN_TOKEN, buildTestApp } from '../helpers/test-app.js';

const first = await buildTestApp();
const second = await buildTestApp();

const BODY = JSON.stringify({ name: 'shutdown-in-flight' });

/**
 * Sends the headers and all but the last byte of the body on a kept-alive connection (as a
 * load balancer's); resolves once the server has the request.
 */
async function startSlowPost(
  app: typeof first.app,
): Promise<{ socket: Socket; answer: Promise<string>; sent: () => boolean; requests: RequestTracker }> {
  const requests = trackRequests(app.server);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let finished = false;
  const received = new Promise<void>((resolve) =>
    app.server.once('request', (_request, response) => {
      response.once('finish', () => (finished = true));
      resolve();
    }),
  );
  const socket = connect(port, '127.0.0.1');
  let text = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
  });
  socket.write(
    'POST /api/v3/stages/invitation/invitations/ HTTP/1.1\r\nHost: localhost\r\n' +
      `Authorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(BODY)}\r\nConnection: keep-alive\r\n\r\n${BODY.slice(0, -1)}`,
  );
  await received;
  return { socket, answer, sent: () => finished, requests };
}

describe('shutdown', () => {
  // The timeout ends a run that waits for the kept-alive connection to time out (Fastify: 72 s)
  // or for the hour of grace: the shutdown must end once the answer is out.
  it('finishes the request in flight and refuses new connections', { timeout: 30_000 }, async () => {
    const { socket, answer, sent, requests } = await startSlowPost(first.app);
    const { port } = first.app.server.address() as AddressInfo;
    const closing = closeWithin(first.app, 3600, requests);
    const refused = await new Promise<boolean>((resolve) => {
      const late = connect(port, '127.0.0.1');
      late.on('connect', () => {
        late.destroy();
        resolve(false);
      });
      late.on('error', () => resolve(true));
    });
    assert.ok(refused, 'a new connection is refused once the shutdown started');
    socket.write(BODY.slice(-1));
    assert.deepEqual(await closing, { forced: false });
    assert.ok(sent(), 'the shutdown ended only after the answer went out');
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 201 /, text);
  });

  it('closes a request still running when the grace period ends', async () => {
    const { answer, requests } = await startSlowPost(second.app);
    const outcome = await closeWithin(second.app, 0.2, requests);
    assert.deepEqual(outcome, { forced: true });
    assert.equal(await answer, '', 'the connection was closed without an answer');
  });
});

/**
 * The request log as an operator reads it: level names and ISO timestamps, one line per
 * request (health probes only at debug), and AUTHENTIK_LOG_LEVEL deciding what is written.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildTestApp } from '../helpers/test-app.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, stream };
}

const info = capture();
const atInfo = await buildTestApp({ AUTHENTIK_LOG_LEVEL: 'info' }, { logger: { stream: info.stream } });
const debug = capture();
const atDebug = await buildTestApp({ AUTHENTIK_LOG_LEVEL: 'debug' }, { logger: { stream: debug.stream } });
const warning = capture();
const atWarning = await buildTestApp(
  { AUTHENTIK_LOG_LEVEL: 'warning' },
  { logger: { stream: warning.stream } },
);

const requestLines = (lines: Record<string, any>[], url: string) =>
  lines.filter((line) => line.req?.url === url);

describe('request log', () => {
  it('writes one line per request, with a level name, an ISO time, method, URL, status and duration', async () => {
    info.lines.length = 0;
    const response = await atInfo.client.get('/api/v3/root/config/');
    assert.equal(response.status, 200);
    const lines = requestLines(info.lines, '/api/v3/root/config/');
    assert.equal(lines.length, 1, JSON.stringify(info.lines));
    const [line] = lines;
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'request completed');
    assert.equal(new Date(line.time).toISOString(), line.time);
    assert.equal(line.req.method, 'GET');
    assert.equal(line.res.statusCode, 200);
    assert.equal(typeof line.responseTime, 'number');
  });

  it('logs health probes at debug only', async () => {
    info.lines.length = 0;
    debug.lines.length = 0;
    for (const app of [atInfo.app, atDebug.app]) {
      assert.equal((await app.inject({ method: 'GET', url: '/-/health/live/' })).statusCode, 200);
    }
    assert.deepEqual(requestLines(info.lines, '/-/health/live/'), []);
    const probes = requestLines(debug.lines, '/-/health/live/');
    assert.equal(probes.length, 1);
    assert.equal(probes[0].level, 'debug');
  });

  it('honours AUTHENTIK_LOG_LEVEL=warning: no request lines', async () => {
    warning.lines.length = 0;
    assert.equal((await atWarning.client.get('/api/v3/root/config/')).status, 200);
    assert.deepEqual(requestLines(warning.lines, '/api/v3/root/config/'), []);
  });
});

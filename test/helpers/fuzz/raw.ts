/**
 * Raw HTTP requests over a real socket, for what app.inject cannot show: resets, and request
 * targets and headers Node's HTTP parser sees before Fastify (bytes outside ASCII, oversized
 * URLs, malformed framing).
 */
import net from 'node:net';
import fc from 'fast-check';
import type { FuzzOperation } from './spec.js';
import type { Credentials } from './requests.js';
import type { Fixtures } from './values.js';

export interface RawRequest {
  bytes: Buffer;
  description: string;
}

const SEGMENTS: (string | Buffer)[] = [
  '__proto__',
  'constructor',
  'toString',
  '..',
  '.',
  '..%2f..%2f',
  '%2e%2e%2f',
  '%',
  '%zz',
  '%ff',
  '%00',
  '',
  'a'.repeat(600),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from('é', 'utf8'),
];

const NON_API_TARGETS = [
  '/static/tessera/flow/constructor',
  '/static/tessera/flow/__proto__',
  '/static/tessera/flow/toString',
  '/static/tessera/flow/..%2f..%2fpackage.json',
  '/static/dist/admin/index.html',
  '/static/dist/admin/..%2f..%2fpackage.json',
  '/if/flow/__proto__/',
  '/if/flow/%ff/',
  '/if/admin/',
  '/flows/-/cancel/?next=//evil.example',
  '/-/health/live/',
  '/-/health/ready/',
  '//api/v3/core/users/',
  '/api/v3/../../etc/passwd',
  '*',
  'http://evil.example/api/v3/core/users/',
];

function target(operations: FuzzOperation[], fixtures: Fixtures): fc.Arbitrary<Buffer> {
  const api = fc
    .tuple(
      fc.constantFrom(...operations),
      fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }),
    )
    .map(([operation, segments]) => {
      let index = 0;
      const parts = `/api/v3${operation.template}`.split(/\{[^}]+\}/);
      const chunks: Buffer[] = [];
      parts.forEach((part, i) => {
        chunks.push(Buffer.from(part));
        if (i < parts.length - 1) {
          const segment = segments[index % segments.length];
          index += 1;
          chunks.push(Buffer.isBuffer(segment) ? segment : Buffer.from(segment));
        }
      });
      return Buffer.concat(chunks);
    });
  const longUrl = fc
    .tuple(
      fc.constantFrom(...operations.filter((o) => o.method === 'GET')),
      fc.constantFrom(8 * 1024, 17 * 1024, 64 * 1024),
    )
    .map(([operation, size]) => {
      const base = `/api/v3${operation.template.replace(/\{[^}]+\}/g, fixtures.uuids[0])}?search=`;
      return Buffer.from(base + 'a'.repeat(size));
    });
  const badQuery = fc
    .tuple(
      fc.constantFrom(...operations.filter((o) => o.method === 'GET' && o.queryParams.length > 0)),
      fc.constantFrom('%00', '%ff', '%', '\xff', 'a%zzb'),
    )
    .map(([operation, value]) => {
      const path = operation.template.replace(/\{[^}]+\}/g, fixtures.uuids[0]);
      return Buffer.concat([
        Buffer.from(`/api/v3${path}?${operation.queryParams[0].name}=`),
        Buffer.from(value, 'latin1'),
      ]);
    });
  return fc.oneof(
    { arbitrary: api, weight: 4 },
    { arbitrary: longUrl, weight: 1 },
    { arbitrary: badQuery, weight: 2 },
    { arbitrary: fc.constantFrom(...NON_API_TARGETS).map((s) => Buffer.from(s)), weight: 2 },
  );
}

const HEADER_SETS = [
  '',
  'Transfer-Encoding: chunked\r\n',
  'Content-Length: 5\r\nContent-Length: 6\r\n',
  'Content-Length: -1\r\n',
  'X-Folded: a\r\n b\r\n',
  `X-Big: ${'h'.repeat(20_000)}\r\n`,
  'Host: evil.example\r\nHost: other.example\r\n',
  'X-Forwarded-For: \xff\xfe\r\n',
  'Cookie: authentik_session=__proto__\r\n',
];

export function rawRequest(
  operations: FuzzOperation[],
  fixtures: Fixtures,
  credentials: Credentials,
): fc.Arbitrary<RawRequest> {
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND', 'get'),
      target: target(operations, fixtures),
      auth: fc.constantFrom(
        '',
        `Authorization: Bearer ${credentials.superuser}\r\n`,
        `Authorization: Bearer ${credentials.unprivileged}\r\n`,
      ),
      headers: fc.constantFrom(...HEADER_SETS),
      body: fc.constantFrom('', '{}', '{"name":"\xff"}', '['.repeat(5000)),
    })
    .map(({ method, target: requestTarget, auth, headers, body }) => {
      const chunked = headers.includes('Transfer-Encoding: chunked');
      const length = Buffer.byteLength(body, 'latin1');
      // Every request is complete: a chunked one ends with its last chunk, a sized one is sized.
      const payload = chunked
        ? `${length > 0 ? `${length.toString(16)}\r\n${body}\r\n` : ''}0\r\n\r\n`
        : body;
      const framing = /Content-Length|Transfer-Encoding/.test(headers)
        ? ''
        : body === ''
          ? ''
          : `Content-Type: application/json\r\nContent-Length: ${length}\r\n`;
      const head = Buffer.from(`${auth}${headers}${framing}Connection: close\r\n\r\n`, 'latin1');
      const hasHost = /^Host:/m.test(headers);
      const bytes = Buffer.concat([
        Buffer.from(`${method} `),
        requestTarget,
        Buffer.from(` HTTP/1.1\r\n${hasHost ? '' : 'Host: 127.0.0.1\r\n'}`),
        head,
        Buffer.from(payload, 'latin1'),
      ]);
      const shown = requestTarget.toString('latin1');
      const description = `${method} ${shown.length > 200 ? `${shown.slice(0, 200)}…(${shown.length} bytes)` : shown} ${JSON.stringify(headers.slice(0, 80))} body ${JSON.stringify(body.slice(0, 40))}`;
      return { bytes, description };
    });
}

export interface RawOutcome {
  status?: number;
  problem?: string;
}

/**
 * Writes the bytes and reads until the server closes (every request says `Connection: close`
 * and is complete, so the server owes an answer); a reset or a close without an answer is a
 * problem. The client never half-closes: Node's HTTP server drops the answer of a client that
 * did, which is not what is under test.
 */
export function sendRaw(port: number, bytes: Buffer): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    // A guard against a request the server would wait on forever, not a timing assertion.
    socket.setTimeout(60_000, () => {
      error = Object.assign(new Error('no answer'), { code: 'no answer within 60 s' });
      socket.destroy();
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (e) => {
      error = e;
    });
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      if (!match) {
        resolve({
          problem: error
            ? `connection ${error.code ?? error.message} without an answer`
            : 'connection closed without an answer',
        });
        return;
      }
      const status = Number(match[1]);
      resolve(
        status >= 500
          ? { status, problem: `${status}: ${answer.split('\r\n\r\n')[1]?.slice(0, 200)}` }
          : { status },
      );
    });
    socket.write(bytes);
  });
}

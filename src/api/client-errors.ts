/**
 * Requests node's HTTP parser refuses before Fastify sees them: a request line and headers
 * beyond node's 16 KB limit (a 64 KB URL), malformed framing, a client too slow to send its
 * headers. authentik's web server answers these with a status and closes; Tessera does the
 * same, in the API's error shape.
 *
 * Fastify's own handler writes its answer and destroys the socket at once. When the client is
 * still sending (a POST body after a long URL), destroying a socket with unread input makes the
 * kernel send a TCP reset, and the client sees ECONNRESET instead of the answer. Here the
 * answer is written, the sending side closed, and whatever the client still sends is read and
 * dropped until it closes too (or a few seconds pass).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused client may keep sending before its connection is dropped. */
const DRAIN_MS = 5000;
/** How much a refused client may still send before its connection is dropped. */
const DRAIN_BYTES = 1024 * 1024;

const answered = new WeakSet<Duplex>();

function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const DETAILS: Record<number, string> = {
  400: 'Bad request.',
  408: 'Request timeout.',
  431: 'Request header fields too large (the URL counts towards them).',
};

export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  // Node reports every later chunk of a refused request again: answer once.
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const status = statusFor(error.code);
  if (socket.writable) {
    const body = JSON.stringify({ detail: DETAILS[status] });
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.end();
  let received = 0;
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > DRAIN_BYTES) socket.destroy();
  });
  socket.on('close', () => clearTimeout(timer));
  socket.on('error', () => socket.destroy());
  socket.resume();
}

/**
 * A browser-less client of authentik's flow executor (authentik/flows/views/executor.py):
 * GET /api/v3/flows/executor/<slug>/?query=itoken%3D<pk> with a cookie jar, answer each
 * `ak-stage-prompt` challenge, follow 302s to the executor, stop at `xak-flow-redirect`
 * (enrolled) or `ak-stage-access-denied` (refused).
 */
import net from 'node:net';
import { BENCH_PASSWORD } from './generate.js';

interface Answer {
  status: number;
  location: string | undefined;
  setCookies: string[];
  text: string;
}

type Send = (
  path: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body: string | undefined,
) => Promise<Answer>;

/**
 * A connection written and read by hand (HTTP/1.1, bodies framed by Content-Length, as
 * Tessera frames them). node:http spends about as much CPU opening a connection and sending
 * one request as the server spends refusing it; a hundred attempts started at once then queue
 * behind the driver itself, on the same two cores, and the losers' times measured the driver
 * as much as the server. The enrollment case keeps one per client for the same reason: its
 * ratio is of the server's work to the hash's, on cores the driver shares. (fetch costs
 * several times node:http's CPU per request.)
 */
export class OwnConnection {
  private readonly socket: net.Socket;
  private received: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (answer: Answer) => void; reject: (error: Error) => void };
  private readonly host: string;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.host;
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
      this.parse();
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => this.fail(new Error('connection closed before the answer')));
  }

  /** False once the server or close() has ended it: open another. */
  get open(): boolean {
    return !this.socket.destroyed;
  }

  readonly send: Send = (path, method, headers, body) => {
    const lines = [`${method} ${path} HTTP/1.1`, `host: ${this.host}`];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
    return new Promise<Answer>((resolve, reject) => {
      if (!this.open) {
        reject(new Error('connection closed'));
        return;
      }
      this.pending = { resolve, reject };
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
    });
  };

  close(): void {
    this.pending = undefined;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private parse(): void {
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0 || !this.pending) return;
    const [statusLine, ...headerLines] = this.received.subarray(0, end).toString('latin1').split('\r\n');
    let length = 0;
    let location: string | undefined;
    const setCookies: string[] = [];
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'location') location = value;
      else if (name === 'set-cookie') setCookies.push(value);
      else if (name === 'transfer-encoding') {
        this.fail(new Error(`unexpected transfer-encoding ${value}`));
        return;
      }
    }
    if (this.received.length < end + 4 + length) return;
    const text = this.received.subarray(end + 4, end + 4 + length).toString('utf8');
    this.received = this.received.subarray(end + 4 + length);
    const pending = this.pending;
    this.pending = undefined;
    pending.resolve({ status: Number(statusLine.split(' ')[1]), location, setCookies, text });
  }
}

export type Outcome = 'enrolled' | 'denied' | 'error';

export interface Attempt {
  outcome: Outcome;
  /** Milliseconds from the first request to the final answer. */
  ms: number;
  requests: number;
  detail?: string;
}

interface Field {
  field_key: string;
  type?: string;
}

function valueFor(field: Field, username: string): string {
  const key = field.field_key;
  if (key === 'username' || field.type === 'username') return username;
  if (key === 'email' || field.type === 'email') return `${username}@example.com`;
  if (key.startsWith('password') || field.type === 'password') return BENCH_PASSWORD;
  if (key === 'name') return `Bench ${username}`;
  return `${key}-${username}`;
}

/**
 * One enrollment, over `connection` when given (a client that keeps its connection); otherwise
 * on a connection of its own, opened for it and closed after it, as a browser arriving at the
 * link would (the single-use race).
 */
export async function enroll(
  baseUrl: string,
  slug: string,
  invitation: string,
  username: string,
  options: { connection?: OwnConnection } = {},
): Promise<Attempt> {
  if (options.connection) return attempt(options.connection.send, baseUrl, slug, invitation, username);
  const connection = new OwnConnection(baseUrl);
  try {
    return await attempt(connection.send, baseUrl, slug, invitation, username);
  } finally {
    connection.close();
  }
}

/**
 * Each attempt comes from an address of its own, sent through the loopback proxy Tessera
 * trusts by default: a hundred browsers racing for a link are a hundred addresses, and the
 * limit on refused invitation lookups per address (src/api/rate-limit.ts) would otherwise
 * answer most of the race's losers 429.
 */
let attempts = 0;
function nextAddress(): string {
  attempts += 1;
  return `10.${(attempts >> 16) & 255}.${(attempts >> 8) & 255}.${attempts & 255}`;
}

async function attempt(
  send: Send,
  baseUrl: string,
  slug: string,
  invitation: string,
  username: string,
): Promise<Attempt> {
  const started = performance.now();
  const cookies = new Map<string, string>();
  const address = nextAddress();
  const executor = `/api/v3/flows/executor/${slug}/`;
  let url = `${executor}?query=${encodeURIComponent(`itoken=${invitation}`)}`;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  let requests = 0;
  const finish = (outcome: Outcome, detail?: string): Attempt => ({
    outcome,
    ms: performance.now() - started,
    requests,
    detail,
  });
  for (let step = 0; step < 20; step += 1) {
    requests += 1;
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = cookies.get('authentik_csrf');
    const response = await send(
      url,
      method,
      {
        accept: 'application/json',
        'x-forwarded-for': address,
        ...(cookie ? { cookie } : {}),
        ...(csrf ? { 'x-authentik-csrf': csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body,
    );
    for (const line of response.setCookies) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      if (index > 0) cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
    const text = response.text;
    if (response.status >= 300 && response.status < 400) {
      url = response.location ?? url;
      if (url.startsWith(baseUrl)) url = url.slice(baseUrl.length);
      method = 'GET';
      body = undefined;
      continue;
    }
    let challenge: { component?: string; fields?: Field[]; to?: string; error_message?: string };
    try {
      challenge = JSON.parse(text);
    } catch {
      return finish('error', `${response.status} ${text.slice(0, 200)}`);
    }
    switch (challenge.component) {
      case 'ak-stage-prompt': {
        const answer: Record<string, string> = { component: 'ak-stage-prompt' };
        for (const field of challenge.fields ?? []) answer[field.field_key] = valueFor(field, username);
        method = 'POST';
        url = url.startsWith(executor) ? url : executor;
        body = JSON.stringify(answer);
        continue;
      }
      case 'xak-flow-redirect':
        return finish('enrolled');
      case 'ak-stage-access-denied':
        return finish('denied', challenge.error_message);
      default:
        return finish('error', `${response.status} ${text.slice(0, 200)}`);
    }
  }
  return finish('error', 'more than 20 steps');
}

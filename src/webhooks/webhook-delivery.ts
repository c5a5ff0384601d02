/**
 * Sends a webhook the way Standard Webhooks (https://www.standardwebhooks.com/) describes it,
 * signed by its reference library (`standardwebhooks`): a POST of the JSON body
 * `{type, timestamp, data}` with `webhook-id` (`msg_<outbox id>`, the same on every retry, so
 * a receiver can drop duplicates), `webhook-timestamp` (this attempt, in seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256>` of `id.timestamp.body`). A 2xx answer is
 * delivered; anything else, a timeout or a refused connection is retried. Redirects are not
 * followed: the address a redirect names has not been checked.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/client.js';
import type { WebhooksConfig } from '../config.js';
import type { ClaimedMessage } from '../outbox/outbox.repository.js';
import type { DeliveryOutcome, OutboxHandler } from '../outbox/outbox.service.js';
import { AddressRefused, checkedAddresses, checkedLookup } from './webhook-address.js';
import { createWebhookRepository } from './webhook.repository.js';

/** What is read of a receiver's answer at most: only its status matters. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The signed headers of one attempt. */
export function signWebhook(secret: string, id: string, at: Date, body: string): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  config: WebhooksConfig,
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
        lookup: checkedLookup(config.allowPrivate),
        // A connection of its own: a pooled one would skip the lookup, and with it the check.
        agent: false,
        timeout: config.timeoutSeconds * 1000,
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('close', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`No answer within ${config.timeoutSeconds} s`)));
    request.on('error', reject);
    request.end(body);
  });
}

export class WebhookOutboxHandler implements OutboxHandler {
  constructor(
    private readonly db: Db,
    private readonly config: WebhooksConfig,
  ) {}

  async deliver(message: ClaimedMessage): Promise<DeliveryOutcome> {
    const endpoint = message.target
      ? await createWebhookRepository(this.db).forDelivery(message.target)
      : undefined;
    if (!endpoint) return { status: 'failed', error: 'The endpoint was deleted.' };
    if (!endpoint.enabled) return { status: 'failed', error: 'The endpoint was disabled.' };
    let url: URL;
    try {
      url = new URL(endpoint.url);
      // An address in the URL itself is not looked up, so the lookup's check would not see it.
      if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) {
        await checkedAddresses(url.hostname, this.config.allowPrivate);
      }
    } catch (error) {
      // A refused address may be public again later (DNS): retried like any failure.
      const refused = error instanceof AddressRefused;
      return { status: refused ? 'retry' : 'failed', error: (error as Error).message };
    }
    const body = JSON.stringify(message.payload);
    const headers = signWebhook(endpoint.secret, `msg_${message.id}`, new Date(), body);
    try {
      const status = await post(url, body, { ...headers, 'user-agent': 'Tessera-Webhooks/1' }, this.config);
      if (status >= 200 && status < 300) return { status: 'delivered', responseCode: status };
      return { status: 'retry', responseCode: status, error: `The receiver answered ${status}.` };
    } catch (error) {
      return { status: 'retry', error: (error as Error).message };
    }
  }
}

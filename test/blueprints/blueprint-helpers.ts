/** Uploads blueprints the way authentik's admin UI does: a multipart form with `file` and `context`. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext, TestResponse } from '../helpers/test-app.js';
import { ADMIN_TOKEN } from '../helpers/test-app.js';

export const IMPORT_URL = '/api/v3/managed/blueprints/import/';

/** An authentik example blueprint from test/fixtures/blueprints/, unchanged. */
export function exampleBlueprint(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/blueprints/${name}`, import.meta.url)), 'utf8');
}

/** A multipart/form-data body: `file` as an uploaded file, other parts as fields. */
export function multipartBody(parts: { file?: string; context?: string }): {
  payload: string;
  contentType: string;
} {
  const boundary = '----tessera-blueprint-boundary';
  const chunks: string[] = [];
  if (parts.file !== undefined) {
    chunks.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="blueprint.yaml"\r\n` +
        `Content-Type: application/x-yaml\r\n\r\n${parts.file}\r\n`,
    );
  }
  if (parts.context !== undefined) {
    chunks.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="context"\r\n\r\n${parts.context}\r\n`,
    );
  }
  chunks.push(`--${boundary}--\r\n`);
  return { payload: chunks.join(''), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a blueprint to the import endpoint (as the admin unless a token is given). */
export async function importBlueprint(
  t: TestContext,
  file: string | undefined,
  options: { context?: Record<string, unknown> | string; token?: string | null } = {},
): Promise<TestResponse> {
  const context =
    options.context === undefined
      ? undefined
      : typeof options.context === 'string'
        ? options.context
        : JSON.stringify(options.context);
  const { payload, contentType } = multipartBody({ file, context });
  return t.client.request('POST', IMPORT_URL, {
    raw: payload,
    token: options.token === undefined ? ADMIN_TOKEN : options.token,
    headers: { 'content-type': contentType },
  });
}

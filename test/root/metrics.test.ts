/**
 * The metrics listener: a registry of the test's own, scraped over HTTP as Prometheus does, in
 * the text exposition format; the counters move when an invitation is created, used, refused
 * and expired, and an enrollment completes.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry, metricsListener, prometheusMetrics } from '../../src/root/prometheus.js';
import { buildTestApp, type TestContext } from '../helpers/test-app.js';
import { answers, buildEnrollmentFlow, createInvitation } from '../helpers/enrollment.js';
import { FlowBrowser } from '../helpers/flow-client.js';
import { unique } from '../helpers/factories.js';

type Samples = Map<string, number>;

/**
 * Parses the text exposition format (version 0.0.4) strictly: every line is a comment
 * (`# HELP name text`, `# TYPE name counter|gauge|histogram|summary|untyped`) or a sample
 * `name{label="value",...} number`, and every sample belongs to a declared metric.
 */
function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  const types = new Map<string, string>();
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.split('\n').filter(Boolean)) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        assert.match(comment[3], /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(comment[2], comment[3]);
      }
      continue;
    }
    // Prometheus reads a value with Go's ParseFloat, which takes NaN in any case; prom-client
    // writes an empty summary's mean as `Nan`.
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|\+Inf|-Inf)$/.exec(
        line,
      );
    assert.ok(sample, `not a sample line: ${line}`);
    const family = sample[1].replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(types.has(sample[1]) || types.has(family), `sample of an undeclared metric: ${line}`);
    samples.set(sample[1] + (sample[2] ?? ''), Number(sample[3]));
  }
  return samples;
}

const registry = new Registry();
const t: TestContext = await buildTestApp({}, { metrics: prometheusMetrics(registry) });

describe('metrics', () => {
  let scrapeUrl: string;
  const server = metricsListener(registry);

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    scrapeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function scrape(): Promise<Samples> {
    const response = await fetch(scrapeUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  }

  it('serves only /metrics', async () => {
    assert.equal((await fetch(scrapeUrl.replace('/metrics', '/'))).status, 404);
  });

  it('exposes prom-client default metrics, event-loop lag among them', async () => {
    const samples = await scrape();
    assert.ok(samples.has('nodejs_eventloop_lag_seconds'));
    assert.ok(samples.has('process_resident_memory_bytes'));
  });

  it('counts invitations created, used and refused, enrollments, and requests by route pattern', async () => {
    const e = await buildEnrollmentFlow(t);
    const before = await scrape();
    const value = (samples: Samples, key: string) => samples.get(key) ?? 0;

    const invitation = await createInvitation(t, { flow: e.flow.pk });
    const browser = new FlowBrowser(t.app);
    const opened = await browser.get(e.flow.slug, `itoken=${invitation.pk}`);
    assert.equal(opened.status, 200);
    const enrolled = await browser.post(e.flow.slug, answers(unique('metrics')), `itoken=${invitation.pk}`);
    assert.equal(enrolled.body.component, 'xak-flow-redirect', JSON.stringify(enrolled.body));
    const stranger = new FlowBrowser(t.app);
    await stranger.get(e.flow.slug, `itoken=${crypto.randomUUID()}`);

    const afterwards = await scrape();
    const delta = (key: string) => value(afterwards, key) - value(before, key);
    assert.equal(delta('tessera_invitations_created_total'), 1);
    assert.equal(delta('tessera_invitations_used_total'), 1);
    assert.equal(delta('tessera_invitations_refused_total{reason="unknown"}'), 1);
    assert.equal(delta('tessera_enrollments_total'), 1);
    const route = '{route="/api/v3/stages/invitation/invitations/",method="POST",status="201"}';
    assert.equal(delta(`tessera_http_requests_total${route}`), 1);
    assert.equal(delta(`tessera_http_request_duration_seconds_count${route}`), 1);
    // The pattern, never the URL: no label holds an invitation's token.
    for (const key of afterwards.keys()) assert.ok(!key.includes(invitation.pk), key);
  });

  it('counts the invitations the cleanup removes as expired', async () => {
    const before = (await scrape()).get('tessera_invitations_expired_total') ?? 0;
    await createInvitation(t, { expires: new Date(Date.now() - 1000).toISOString() });
    await t.app.runTask('clean_expired_invitations');
    const afterwards = (await scrape()).get('tessera_invitations_expired_total') ?? 0;
    assert.ok(afterwards - before >= 1);
  });
});

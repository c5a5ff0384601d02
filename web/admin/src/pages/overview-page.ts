/**
 * `<ak-overview-page>`: how many invitations are active, used up and expired (the invitation
 * list's `status` filter), and the enrollments per day over the last 30 days: authentik's
 * `user_write` events whose context says `created`, which a flow's user write stage writes for
 * each user it creates, with or without an invitation.
 */
import { html, nothing, svg } from 'lit';
import { describeError, eventsApi } from '../api.js';
import { LightElement } from '../components/light-element.js';
import { countInvitations, type InvitationStatus } from '../invitations.js';
import '../components/alert.js';

const DAYS = 30;
const DAY_MS = 86_400_000;

/** The local calendar day of `date`, as YYYY-MM-DD. */
function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Counts per day over the last DAYS days, oldest first, today last. */
export async function enrollmentsPerDay(now = new Date()): Promise<{ day: string; count: number }[]> {
  const days = Array.from({ length: DAYS }, (_, i) =>
    dayKey(new Date(now.getTime() - (DAYS - 1 - i) * DAY_MS)),
  );
  const counts = new Map(days.map((day) => [day, 0]));
  const since = new Date(now.getTime() - DAYS * DAY_MS);
  for (let page = 1; ; page += 1) {
    const result = await eventsApi.eventsEventsList({
      action: 'user_write',
      ordering: '-created',
      page,
      pageSize: 100,
    });
    for (const event of result.results) {
      if (event.context?.created !== true) continue;
      const key = dayKey(event.created);
      if (counts.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const last = result.results[result.results.length - 1];
    if (!result.pagination.next || !last || last.created < since) break;
  }
  return days.map((day) => ({ day, count: counts.get(day) ?? 0 }));
}

export class AkOverviewPage extends LightElement {
  static override properties = {
    counts: { state: true },
    perDay: { state: true },
    error: { state: true },
  };
  counts: Record<InvitationStatus, number> | undefined = undefined;
  perDay: { day: string; count: number }[] | undefined = undefined;
  error = '';

  override connectedCallback() {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    try {
      const [active, usedUp, expired, revoked] = await Promise.all([
        countInvitations('active'),
        countInvitations('used_up'),
        countInvitations('expired'),
        countInvitations('revoked'),
      ]);
      this.counts = { active, used_up: usedUp, expired, revoked };
      this.perDay = await enrollmentsPerDay();
    } catch (error) {
      this.error = (await describeError(error)).message;
    }
  }

  private card(label: string, value: number | undefined, href: string) {
    return html`<div class="pf-v6-l-gallery__item">
      <div class="pf-v6-c-card">
        <div class="pf-v6-c-card__title"><h2 class="pf-v6-c-card__title-text">${label}</h2></div>
        <div class="pf-v6-c-card__body">
          <a class="pf-v6-c-title pf-m-3xl ak-count" href=${href} aria-label="${value ?? '…'} ${label}"
            >${value ?? '…'}</a
          >
        </div>
      </div>
    </div>`;
  }

  private chart(data: { day: string; count: number }[]) {
    const width = 600;
    const height = 160;
    const bar = width / data.length;
    const max = Math.max(1, ...data.map((d) => d.count));
    const total = data.reduce((sum, d) => sum + d.count, 0);
    return html`<figure>
        <svg
          class="ak-bar-chart"
          viewBox="0 0 ${width} ${height + 20}"
          role="img"
          aria-labelledby="ak-uses-caption"
        >
          ${data.map((d, i) => {
            const h = (d.count / max) * height;
            return svg`<rect x=${i * bar + 2} y=${height - h} width=${bar - 4} height=${h}><title>${d.day}: ${d.count}</title></rect>
            ${i % 5 === 4 || i === data.length - 1 ? svg`<text x=${i * bar + bar / 2} y=${height + 14} text-anchor="middle">${d.day.slice(5)}</text>` : nothing}`;
          })}
        </svg>
        <figcaption id="ak-uses-caption">
          ${total} enrollment${total === 1 ? '' : 's'} in the last ${DAYS} days
        </figcaption>
      </figure>
      <details>
        <summary>Per day</summary>
        <table class="pf-v6-c-table pf-m-compact">
          <caption class="pf-v6-screen-reader">
            Enrollments per day
          </caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Enrollments</th>
            </tr>
          </thead>
          <tbody>
            ${data
              .filter((d) => d.count > 0)
              .map(
                (d) =>
                  html`<tr>
                    <td>${d.day}</td>
                    <td>${d.count}</td>
                  </tr>`,
              )}
          </tbody>
        </table>
      </details>`;
  }

  override render() {
    return html`<section class="pf-v6-c-page__main-section">
        <h1 class="pf-v6-c-title pf-m-2xl">Overview</h1>
      </section>
      <section class="pf-v6-c-page__main-section">
        <ak-alert variant="danger" .message=${this.error}></ak-alert>
        <div class="pf-v6-l-gallery pf-m-gutter">
          ${this.card('Active invitations', this.counts?.active, '#/invitations?status=active')}
          ${this.card('Used up', this.counts?.used_up, '#/invitations?status=used_up')}
          ${this.card('Expired', this.counts?.expired, '#/invitations?status=expired')}
          ${this.card('Revoked', this.counts?.revoked, '#/invitations?status=revoked')}
        </div>
      </section>
      <section class="pf-v6-c-page__main-section">
        <div class="pf-v6-c-card">
          <div class="pf-v6-c-card__title">
            <h2 class="pf-v6-c-card__title-text">Enrollments</h2>
          </div>
          <div class="pf-v6-c-card__body">
            ${this.perDay ? this.chart(this.perDay) : html`<p role="status">Loading…</p>`}
          </div>
        </div>
      </section>`;
  }
}
customElements.define('ak-overview-page', AkOverviewPage);

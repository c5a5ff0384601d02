/**
 * The invitation email, after authentik's `email/invitation.html` and `email/invitation.txt`
 * (authentik/stages/email/templates/email/): a "You're Invited!" heading, the sentence naming
 * the host, the expiry in Django's `naturaltime` words, an "Accept Invitation" button, and the
 * URL as text for clients that cannot follow the button.
 */

import { escapeHtml } from '../../web/html.js';
import { buttonRow, emailHtml, textRow } from './email-layout.js';

export interface InvitationEmailContext {
  url: string;
  host: string;
  /** The invitation's expiry, or null when it never expires. */
  expires: Date | null;
  now?: Date;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const UNITS: [seconds: number, singular: string, plural: string][] = [
  [365 * 86400, 'year', 'years'],
  [30 * 86400, 'month', 'months'],
  [7 * 86400, 'week', 'weeks'],
  [86400, 'day', 'days'],
  [3600, 'hour', 'hours'],
  [60, 'minute', 'minutes'],
];

const count = (n: number, singular: string, plural: string) => `${n} ${n === 1 ? singular : plural}`;

/** Django's `timesince`/`timeuntil`: the largest unit, and the next one when it is not zero. */
function timeDistance(seconds: number): string {
  const index = UNITS.findIndex(([size]) => seconds >= size);
  if (index === -1) return '0 minutes';
  const [size, singular, plural] = UNITS[index];
  const first = Math.floor(seconds / size);
  const parts = [count(first, singular, plural)];
  const next = UNITS[index + 1];
  if (next) {
    const second = Math.floor((seconds - first * size) / next[0]);
    if (second > 0) parts.push(count(second, next[1], next[2]));
  }
  return parts.join(', ');
}

/** Django humanize's `naturaltime`: "23 hours from now", "an hour ago", "2 days, 3 hours from now". */
export function naturalTime(value: Date, now: Date): string {
  const future = value.getTime() > now.getTime();
  const seconds = Math.floor(Math.abs(value.getTime() - now.getTime()) / 1000);
  const suffix = future ? 'from now' : 'ago';
  if (seconds >= 86400) return `${timeDistance(seconds)} ${suffix}`;
  if (seconds === 0) return 'now';
  if (seconds < 60) return seconds === 1 ? `a second ${suffix}` : `${seconds} seconds ${suffix}`;
  if (seconds < 3600) {
    const minutes = Math.floor(seconds / 60);
    return minutes === 1 ? `a minute ${suffix}` : `${minutes} minutes ${suffix}`;
  }
  const hours = Math.floor(seconds / 3600);
  return hours === 1 ? `an hour ${suffix}` : `${hours} hours ${suffix}`;
}

/** Subject and bodies; the subject is authentik's fixed, untranslated text. */
export function renderInvitationEmail(context: InvitationEmailContext): RenderedEmail {
  const now = context.now ?? new Date();
  const expiry = context.expires ? `This invitation expires ${naturalTime(context.expires, now)}.` : null;
  const url = escapeHtml(context.url);
  const host = escapeHtml(context.host);
  const html = emailHtml({
    title: "You're Invited!",
    heading: "You're Invited!",
    url,
    rows: [
      textRow(`You have been invited to join ${host}. Click the button below to get started.`, '', '20px 0'),
      ...(expiry ? [textRow(escapeHtml(expiry), 'font-size: 12px;')] : []),
      buttonRow(url, 'Accept Invitation'),
    ],
  });
  const text = [
    "You're Invited!",
    '',
    `You have been invited to join ${context.host}. Open the link below to get started.`,
    ...(expiry ? ['', expiry] : []),
    '',
    context.url,
    '',
  ].join('\n');
  return { subject: `You have been invited to ${context.host}`, html, text };
}

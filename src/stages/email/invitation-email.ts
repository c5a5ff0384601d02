/**
 * The invitation email, after authentik's `email/invitation.html` and `email/invitation.txt`
 * (authentik/stages/email/templates/email/): a "You're Invited!" heading, the sentence naming
 * the host, the expiry in Django's `naturaltime` words, an "Accept Invitation" button, and the
 * URL as text for clients that cannot follow the button.
 */

import { escapeHtml } from '../../web/html.js';

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

/** The confirm button of both emails; `url` and `label` are HTML already. */
export function emailButton(url: string, label: string): string {
  return `<tr><td align="center"><a id="confirm" href="${url}" rel="noopener noreferrer" target="_blank" style="display: inline-block; padding: 12px 24px; background-color: #0066cc; color: #ffffff; text-decoration: none; border-radius: 4px;">${label}</a></td></tr>`;
}

/**
 * The HTML document the invitation email and the email stage's messages share: the title and
 * heading, the message's rows (each a `<tr>`), and the link spelled out below them for mail
 * clients that hide the button. Every argument is HTML already.
 */
export function emailHtml(title: string, heading: string, rows: string[], url: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body style="margin: 0; padding: 0; background-color: #f3f3f3; font-family: sans-serif;">
<table width="100%" border="0" cellpadding="0" cellspacing="0" role="presentation">
<tr><td align="center"><h1 style="color: #212124;">${heading}</h1></td></tr>
<tr><td align="center">
<table border="0" role="presentation">
${rows.map((row) => `${row}\n`).join('')}</table>
</td></tr>
<tr><td align="center" style="padding: 20px; font-size: 12px; color: #212124;">If you cannot click the button above, please copy and paste the following URL into your browser:<br><a href="${url}" rel="noopener noreferrer" target="_blank">${url}</a></td></tr>
</table>
</body>
</html>
`;
}

/** Subject and bodies; the subject is authentik's fixed, untranslated text. */
export function renderInvitationEmail(context: InvitationEmailContext): RenderedEmail {
  const now = context.now ?? new Date();
  const expiry = context.expires ? `This invitation expires ${naturalTime(context.expires, now)}.` : null;
  const url = escapeHtml(context.url);
  const host = escapeHtml(context.host);
  const html = emailHtml(
    "You're Invited!",
    "You're Invited!",
    [
      `<tr><td align="center" style="max-width: 300px; padding: 20px 0; color: #212124;">You have been invited to join ${host}. Click the button below to get started.</td></tr>`,
      ...(expiry
        ? [
            `<tr><td align="center" style="max-width: 300px; padding: 10px 0; color: #212124; font-size: 12px;">${escapeHtml(expiry)}</td></tr>`,
          ]
        : []),
      emailButton(url, 'Accept Invitation'),
    ],
    url,
  );
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

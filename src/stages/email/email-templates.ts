/**
 * The email stage's templates, after authentik's `email/password_reset.html` and
 * `email/account_confirmation.html` (authentik/stages/email/templates/email/): a heading, a
 * sentence, a button to the link, when it expires, and the link as text for clients that
 * cannot follow the button. Tessera renders its own short, escaped HTML and text versions;
 * authentik's other templates (OTP, event notification, invitation) need a context this stage
 * does not have, and custom template folders are not read (docs/compatibility.md).
 */
import { escapeHtml } from '../../web/html.js';
import { emailButton, emailHtml, naturalTime, type RenderedEmail } from './invitation-email.js';

/** authentik/stages/email/models.py EmailTemplates, the two this stage renders. */
export const EMAIL_TEMPLATES = [
  { name: 'email/password_reset.html', description: 'Password Reset' },
  { name: 'email/account_confirmation.html', description: 'Account Confirmation' },
] as const;

export const EMAIL_TEMPLATE_NAMES: readonly string[] = EMAIL_TEMPLATES.map((template) => template.name);

export interface StageEmailContext {
  /** The link back to the flow, with its one-time key. */
  url: string;
  /** The recipient's name, when the flow knows one. */
  name: string;
  expires: Date;
  now?: Date;
}

interface Wording {
  heading: string;
  greeting: (name: string) => string;
  body: string;
  button: string;
  footer: string;
}

const WORDING: Record<string, Wording> = {
  'email/password_reset.html': {
    heading: 'Reset your password',
    greeting: (name) => (name ? `Hi ${name},` : 'Hi,'),
    body: 'You recently asked to change the password of your account. Use the button below to set a new one.',
    button: 'Reset Password',
    footer: 'If you did not ask for this, you can ignore this email.',
  },
  'email/account_confirmation.html': {
    heading: 'Welcome!',
    greeting: (name) => (name ? `Hi ${name},` : 'Hi,'),
    body: 'Please confirm your email address to finish setting up your account. Just press the button below.',
    button: 'Confirm Account',
    footer: 'If you did not sign up, you can ignore this email.',
  },
};

/** The message for `template` (one of EMAIL_TEMPLATE_NAMES), with the stage's subject. */
export function renderStageEmail(
  template: string,
  subject: string,
  context: StageEmailContext,
): RenderedEmail {
  const wording = WORDING[template] ?? WORDING['email/account_confirmation.html'];
  const expiry = `This link expires ${naturalTime(context.expires, context.now ?? new Date())}.`;
  const url = escapeHtml(context.url);
  const greeting = wording.greeting(context.name);
  const html = emailHtml(
    escapeHtml(subject),
    escapeHtml(wording.heading),
    [
      `<tr><td align="center" style="max-width: 300px; padding: 10px 0; color: #212124;">${escapeHtml(greeting)}</td></tr>`,
      `<tr><td align="center" style="max-width: 300px; padding: 10px 0; color: #212124;">${escapeHtml(wording.body)}</td></tr>`,
      emailButton(url, escapeHtml(wording.button)),
      `<tr><td align="center" style="max-width: 300px; padding: 10px 0; color: #212124; font-size: 12px;">${escapeHtml(expiry)} ${escapeHtml(wording.footer)}</td></tr>`,
    ],
    url,
  );
  const text = [
    wording.heading,
    '',
    greeting,
    '',
    wording.body,
    '',
    context.url,
    '',
    expiry,
    wording.footer,
    '',
  ].join('\n');
  return { subject, html, text };
}

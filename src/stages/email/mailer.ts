/**
 * Sends email through SMTP with the global email settings (authentik's AUTHENTIK_EMAIL__*,
 * the settings an email stage with "use global settings" uses).
 *
 * As in authentik, which queues each message to its worker, messages are sent by the outbox's
 * worker (src/stages/email/email-outbox.ts), which records per recipient whether the server
 * took it.
 * @see authentik/stages/email/models.py EmailStage.backend, authentik/stages/email/tasks.py
 */
import type { EmailConfig } from '../../config.js';

export interface OutgoingMessage {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html: string;
  text: string;
  /**
   * The recipients to send to when not all of to, cc and bcc (a retry of the ones a server
   * turned away for the moment); the headers still name every address.
   */
  envelope?: string[];
}

export interface DeliveryResult {
  /** Recipients the server accepted, as given in the message. */
  accepted: string[];
  /** Recipients that did not get the message, with the server's (or the connection's) error. */
  failed: Map<string, string>;
  /**
   * The message failed without an SMTP reply (connection refused or lost, timeout, TLS or
   * authentication trouble): the next message would most likely fail the same way.
   */
  unreachable?: string;
}

interface SmtpError {
  message?: string;
  response?: string;
  responseCode?: number;
  recipient?: string;
  rejectedErrors?: SmtpError[];
}

/** The SMTP reply when there was one (`550 5.1.1 ...`), otherwise the error text. */
function describe(error: SmtpError): string {
  return (error.response ?? error.message ?? 'Unknown error').trim();
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export interface MailSession {
  send(message: OutgoingMessage): Promise<DeliveryResult>;
  close(): void;
}

export class Mailer {
  constructor(private readonly config: EmailConfig) {}

  get fromAddress(): string {
    return this.config.from;
  }

  /** `host:port` of the SMTP server, for messages that say which one failed. */
  get server(): string {
    const { host, port } = this.config;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /**
   * One SMTP connection for a batch of messages. Django's SMTP backend semantics: `use_ssl` is
   * implicit TLS, `use_tls` is STARTTLS, and with neither the connection stays plain (no
   * opportunistic STARTTLS), with the configured timeout for every wait. nodemailer is loaded
   * on the first send rather than at start: most instances never send, and it is a sixth of
   * the start-up imports.
   */
  async open(): Promise<MailSession> {
    const { createTransport } = await import('nodemailer');
    const { config } = this;
    const timeout = config.timeoutSeconds * 1000;
    const transport = createTransport({
      pool: true,
      maxConnections: 1,
      host: config.host,
      port: config.port,
      secure: config.useSsl,
      requireTLS: config.useTls,
      ignoreTLS: !config.useTls && !config.useSsl,
      auth: config.username ? { user: config.username, pass: config.password } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    const from = config.from;
    return {
      async send(message: OutgoingMessage): Promise<DeliveryResult> {
        const recipients = message.envelope ?? [...message.to, ...message.cc, ...message.bcc];
        try {
          const info = await transport.sendMail({
            from,
            envelope: message.envelope ? { from, to: message.envelope } : undefined,
            to: message.to,
            cc: message.cc.length > 0 ? message.cc : undefined,
            bcc: message.bcc.length > 0 ? message.bcc : undefined,
            subject: message.subject,
            text: message.text,
            html: message.html,
          });
          const rejectedErrors = (info as { rejectedErrors?: SmtpError[] }).rejectedErrors ?? [];
          const failed = new Map<string, string>();
          for (const address of info.rejected.map(String)) {
            const error = rejectedErrors.find((e) => e.recipient && sameAddress(e.recipient, address));
            const original = recipients.find((r) => sameAddress(r, address)) ?? address;
            failed.set(original, error ? describe(error) : 'Recipient rejected');
          }
          const accepted = recipients.filter((r) => ![...failed.keys()].some((f) => sameAddress(f, r)));
          return { accepted, failed };
        } catch (caught) {
          const error = caught as SmtpError;
          const failed = new Map<string, string>();
          for (const recipient of recipients) {
            const own = error.rejectedErrors?.find((e) => e.recipient && sameAddress(e.recipient, recipient));
            failed.set(recipient, describe(own ?? error));
          }
          const unreachable = error.responseCode === undefined ? describe(error) : undefined;
          return { accepted: [], failed, unreachable };
        }
      },
      close() {
        transport.close();
      },
    };
  }
}

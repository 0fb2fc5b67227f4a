/**
 * Notification e-mails through SMTP (nodemailer), sent to settings.notificationEmail through the
 * installation's SMTP server: the `smtp:` section of provisio.yaml, or the SMTP_* environment
 * variables for a stored job (docs/configuration.md#installation-settings). The password is never
 * logged.
 */
import type { Notification, Notifier } from '@provisio/engine';
import nodemailer from 'nodemailer';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly from: string;
}

export function createSmtpNotifier(smtp: SmtpSettings, to: string): Notifier {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    // Fail fast rather than holding a cycle for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(notification: Notification): Promise<void> {
      await transport.sendMail({
        from: smtp.from,
        to,
        subject: notification.subject,
        text: notification.text,
      });
    },
    async verify(): Promise<string> {
      // SMTP's greeting, STARTTLS and AUTH, no message (https://nodemailer.com/smtp/#verify-smtp-connection-configuration).
      await transport.verify();
      return `${smtp.host}:${smtp.port}${smtp.user ? ` as ${smtp.user}` : ''}`;
    },
  };
}

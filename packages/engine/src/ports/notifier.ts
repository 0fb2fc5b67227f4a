/** Where notifications go (e-mail through SMTP in the CLI; tests use a real SMTP server on loopback). */
export interface Notification {
  readonly subject: string;
  /** Plain text: what happened, how many objects, what to do. */
  readonly text: string;
}

export interface Notifier {
  send(notification: Notification): Promise<void>;
}

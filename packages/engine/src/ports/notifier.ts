/** Where notifications go (e-mail through SMTP in the CLI; tests use a real SMTP server on loopback). */
export interface Notification {
  readonly subject: string;
  /** Plain text: what happened, how many objects, what to do. */
  readonly text: string;
}

export interface Notifier {
  send(notification: Notification): Promise<void>;
  /**
   * Connects to the mail server and signs in without sending anything (test-connection); resolves
   * to what was reached ("smtp.example.com:587"), throws what went wrong. Optional.
   */
  verify?(): Promise<string>;
}

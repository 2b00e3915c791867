/**
 * Raised for any trigger that is invalid or cannot be expressed exactly as a Temporal schedule spec.
 * `path` says where (e.g. `triggers[0].expression`); `message` says what, without the path.
 */
export class TriggerError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = 'TriggerError';
    this.path = path;
  }

  override toString(): string {
    return `${this.name}: ${this.path}: ${this.message}`;
  }
}

/** Thrown by the cron parsers, which do not know the trigger's path; compile re-throws it as TriggerError. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

// One delivery attempt of one alert: render the rule's channel for the stored event and send it. The
// retries, their back-off and the final "failed" are the notify workflow's (workflows/notify.ts);
// this says whether an attempt failed for good (`retryable: false`: a refused address, a missing
// secret, a 4xx, a permanent SMTP answer) or may be tried again.
//
// A webhook is user-supplied: it connects through the one egress policy (core/net) exactly as an http
// job does, and its `{"$secret": "NAME"}` headers resolve for the rule's owner only (core/secrets),
// in memory, masked in every error text. Every request carries `X-Kairos-Delivery: <delivery id>`,
// the same on every attempt, so a receiver can drop the duplicate a lost answer would cause.
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { egressFetch } from '../net/connect.ts';
import { egressDenial } from '../net/egress.ts';
import type { SecretSource } from '../secrets/access.ts';
import { masker, resolveSecretRefs, SecretRefError, type Masker } from '../secrets/refs.ts';
import type { AlertChannel, EmailChannel, WebhookChannel } from './model.ts';
import { AlertStore, type DeliveryRow, type RuleRow } from './store.ts';
import { DEFAULT_SUBJECT, defaultBody, emailText, renderJson, renderText, slackBody, type AlertContext } from './template.ts';
import type { Db } from '../db/open.ts';

/** A failed attempt; `retryable: false` ends the delivery as failed without further attempts. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AlertDeliveryError';
  }
}

/** What AlertSender needs. */
export interface AlertSenderDeps {
  db: Db;
  secrets: SecretSource;
  /** KAIROS_SMTP_URL; e-mail deliveries fail for good without it. */
  smtpUrl?: string;
  /** KAIROS_ALERT_FROM */
  from: string;
}

/** How a delivery ended (AlertSender.record). */
export type DeliveryOutcome = { status: 'sent' } | { status: 'failed'; message: string };

/** One webhook attempt's time limit: a receiver that hangs is retried, not waited on. */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** 4xx answers worth another attempt (as the http driver treats them). */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** The notify workflow's side of a delivery (workflows/notify.ts): one attempt, and the final record. */
export class AlertSender {
  private readonly store: AlertStore;
  private transport: Transporter | undefined;

  constructor(private readonly deps: AlertSenderDeps) {
    this.store = new AlertStore(deps.db);
  }

  /**
   * Attempt number `attempt` of delivery `id`. A delivery already sent or failed is left alone (a
   * repeated activity never sends twice what was recorded sent); one whose rule is gone is dropped.
   * A successful send is recorded by the caller's next step (`record`), not here: a failure to write
   * "sent" must not fail the attempt, or its retry would send the alert again.
   */
  async attempt(id: string, attempt: number): Promise<'sent' | 'done'> {
    const d = await this.store.delivery(id);
    if (!d || d.status !== 'pending') return 'done';
    const rule = await this.store.rule(d.rule_id);
    if (!rule) return 'done';
    await this.store.attemptStarted(id, attempt);
    try {
      await this.send(d, rule);
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error)?.message ?? String(err), true);
      await this.store.attemptFailed(id, e.message);
      throw e;
    }
    return 'sent';
  }

  /** Records how the delivery ended: sent, or failed for good (every attempt failed, or one finally). */
  async record(id: string, outcome: DeliveryOutcome): Promise<void> {
    if (outcome.status === 'sent') await this.store.sent(id);
    else await this.store.failed(id, outcome.message);
  }

  private async send(d: DeliveryRow, rule: RuleRow): Promise<void> {
    const ctx = JSON.parse(d.context) as AlertContext;
    const channel = JSON.parse(rule.channel) as AlertChannel;
    if (channel.type === 'webhook') await this.webhook(d.id, channel, ctx, rule.owner_id);
    else await this.email(d.id, channel, ctx);
  }

  private async webhook(id: string, ch: WebhookChannel, ctx: AlertContext, ownerId: string): Promise<void> {
    let headers: Record<string, string>;
    let mask: Masker = masker([]);
    try {
      const lookup = await this.deps.secrets.lookup({ ownerId, type: 'alert', data: ch.headers, ownerNoun: "the rule's owner" });
      const r = resolveSecretRefs(ch.headers, (name) => {
        const res = lookup(name);
        return res.ok ? res.entry.value : { message: res.message };
      });
      headers = r.data as Record<string, string>;
      mask = masker(r.values);
    } catch (err) {
      if (err instanceof SecretRefError) throw new DeliveryError(`channel.headers.${err.path}: ${err.message}`, false);
      throw err;
    }
    const body = ch.preset === 'slack' ? slackBody(ctx) : ch.body !== undefined ? renderJson(ch.body, ctx) : defaultBody(ctx);
    const url = new URL(ch.url);
    const where = `POST ${url.origin}${url.pathname}`;
    let status: number;
    try {
      const res = await egressFetch(url, {
        method: 'POST',
        headers: { 'user-agent': 'kairos-alerts', ...headers, 'content-type': 'application/json', 'x-kairos-delivery': id },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        redirect: 'follow',
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (err) {
      const denied = egressDenial(err);
      if (denied) throw new DeliveryError(denied.message, false);
      const e = err as Error & { cause?: { code?: string; message?: string } };
      throw new DeliveryError(mask(`${where} failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`), true);
    }
    if (status >= 200 && status < 300) return;
    throw new DeliveryError(`${where} answered ${status}`, !(status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)));
  }

  private async email(id: string, ch: EmailChannel, ctx: AlertContext): Promise<void> {
    if (!this.deps.smtpUrl) throw new DeliveryError('e-mail alerts need KAIROS_SMTP_URL (the operator has not configured an SMTP server)', false);
    // The operator's server, from the operator's configuration: not a user-supplied address, so not
    // subject to the jobs' egress policy (which would deny an SMTP relay on this machine).
    this.transport ??= nodemailer.createTransport(this.deps.smtpUrl);
    try {
      await this.transport.sendMail({
        from: this.deps.from,
        to: ch.to,
        subject: renderText(ch.subject ?? DEFAULT_SUBJECT, ctx).replace(/[\r\n]+/g, ' ').slice(0, 900),
        text: emailText(ctx),
        headers: { 'X-Kairos-Delivery': id },
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // 5xx: the server refused for good (a bad recipient, a policy); 4xx and connection errors pass.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      throw new DeliveryError(`SMTP: ${e.message}`, !permanent);
    }
  }
}

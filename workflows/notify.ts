// kairosNotify: delivers one alert (core/alerts). Its workflow id is derived from the delivery's
// (rule, run, event), so a second start for the same event is refused by Temporal: one event, one
// delivery. The attempts are one activity with a retry policy: durable back-off across worker
// restarts, and the attempt number recorded on the delivery row before each try. The outcome is
// recorded by a second activity with its own retries, so a failure to write "sent" never repeats a
// send. When every attempt has failed (or one failed for good), the delivery is recorded failed and
// the workflow ends: nothing starts it again, so a restart never re-sends an alert that was given up.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SupportActivities } from '../activities/registry.ts';
import { ALERT_DELIVERY_RETRY, DELIVER_ALERT_ACTIVITY, RECORD_ALERT_ACTIVITY } from '../core/temporal/contract.ts';

/** The delivery to make (core/alerts/store.ts deliveryId). */
export interface NotifyInput {
  deliveryId: string;
}

export async function kairosNotify(input: NotifyInput): Promise<'sent' | 'done' | 'failed'> {
  const deliver = proxyActivities<SupportActivities>({
    // A webhook attempt gives up after 10 s (core/alerts/deliver.ts), an SMTP one in the library's own time.
    startToCloseTimeout: '2 minutes',
    retry: {
      maximumAttempts: ALERT_DELIVERY_RETRY.maximumAttempts,
      initialInterval: ALERT_DELIVERY_RETRY.initialIntervalMs,
      backoffCoefficient: ALERT_DELIVERY_RETRY.backoffCoefficient,
      maximumInterval: ALERT_DELIVERY_RETRY.maximumIntervalMs,
    },
  })[DELIVER_ALERT_ACTIVITY];
  // Recording is retried until the state store answers (a minute's back-off at most): the outcome is known, only its record is missing.
  const record = proxyActivities<SupportActivities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: 1000, maximumInterval: 60_000 } })[RECORD_ALERT_ACTIVITY];
  let result: 'sent' | 'done';
  try {
    result = await deliver(input);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const message = cause instanceof ApplicationFailure ? cause.message : cause instanceof Error ? cause.message : String(cause);
    await record({ deliveryId: input.deliveryId, outcome: { status: 'failed', message } });
    return 'failed';
  }
  if (result === 'sent') await record({ deliveryId: input.deliveryId, outcome: { status: 'sent' } });
  return result;
}

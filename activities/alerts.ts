// The alert activities (core/alerts): runJob's run events and `longerThan` thresholds, the entry
// point for fire times that did not run, and the notify workflow's delivery attempt and final
// failure. The work is core's; these add what only an activity knows (the attempt number) and turn
// a failed attempt into the failure Temporal retries (or does not).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DeliveryError, type AlertSender, type DeliveryOutcome } from '../core/alerts/deliver.ts';
import type { AlertEvents, RunAlertInput, RunNotHappened, RunWatch } from '../core/alerts/events.ts';
import {
  ALERT_THRESHOLDS_ACTIVITY,
  DELIVER_ALERT_ACTIVITY,
  RECORD_ALERT_ACTIVITY,
  RUN_ALERTS_ACTIVITY,
  RUN_NOT_HAPPENED_ACTIVITY,
} from '../core/temporal/contract.ts';

/** The error type of a failed delivery attempt (not retried when the failure is final). */
export const ALERT_DELIVERY_FAILED = 'AlertDeliveryFailed';

/** The alert activities, keyed by their names in core/temporal/contract.ts. */
export function alertActivities(deps: { events: AlertEvents; sender: AlertSender }) {
  return {
    [RUN_ALERTS_ACTIVITY]: async (input: RunAlertInput): Promise<string[]> => await deps.events.onRunEvent(input),
    [ALERT_THRESHOLDS_ACTIVITY]: async (input: { jobId: string }): Promise<RunWatch> => await deps.events.watch(input.jobId),
    [RUN_NOT_HAPPENED_ACTIVITY]: async (input: RunNotHappened): Promise<string[]> => await deps.events.notifyRunNotHappened(input),
    [DELIVER_ALERT_ACTIVITY]: async (input: { deliveryId: string }): Promise<'sent' | 'done'> => {
      const attempt = Context.current().info.attempt;
      try {
        return await deps.sender.attempt(input.deliveryId, attempt);
      } catch (err) {
        if (err instanceof DeliveryError) throw ApplicationFailure.create({ message: err.message, type: ALERT_DELIVERY_FAILED, nonRetryable: !err.retryable });
        throw err;
      }
    },
    [RECORD_ALERT_ACTIVITY]: async (input: { deliveryId: string; outcome: DeliveryOutcome }): Promise<void> =>
      await deps.sender.record(input.deliveryId, input.outcome),
  };
}

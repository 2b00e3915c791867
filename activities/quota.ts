// The support activity runJob calls before its driver: is the owner below its concurrent-runs
// quota? It counts the owner's runs that started before the asking one and are still running
// (visibility, one count query); see core/quotas/quotas.ts for how approximate that is.
import { countRunningRuns, quotaMessage } from '../core/quotas/quotas.ts';
import type { RunQuotaInput, RunQuotaVerdict } from '../core/quotas/types.ts';
import type { TemporalGateway } from '../core/temporal/gateway.ts';

export function checkRunQuotaActivity(deps: { temporal: TemporalGateway; concurrentRuns: number }) {
  return async (input: RunQuotaInput): Promise<RunQuotaVerdict> => {
    const limit = deps.concurrentRuns;
    if (limit <= 0) return { allowed: true, running: 0, limit };
    const running = await countRunningRuns(deps.temporal, input.ownerId, { exceptWorkflowId: input.workflowId, startedBefore: new Date(input.startedAt) });
    return running < limit ? { allowed: true, running, limit } : { allowed: false, running, limit, message: quotaMessage('concurrentRuns', limit, input.ownerId) };
  };
}

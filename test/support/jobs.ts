// Fixtures of stored jobs for unit tests of what keeps them (versions, heads).
import { JobSchema, type Job } from '../../core/jobs/model.ts';

/** A stored job: the model's defaults, plus what the store sets; `over` replaces any field. */
export function storedJob(over: Partial<Job> = {}): Job {
  const base = JobSchema.parse({
    id: 'nightly',
    name: 'nightly',
    ownerId: 'usr_a',
    data: { url: 'https://example.com/a' },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    incarnation: 'inc-1',
  });
  return { ...base, ...over };
}

export { runJob } from './run-job.ts';
export { kairosSequence } from './sequence.ts';

export { runJob } from './run-job.ts';
export { kairosNotify } from './notify.ts';

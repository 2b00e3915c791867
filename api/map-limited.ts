// The API's fan-outs use core's bounded map (core/concurrency.ts), where the job use cases need it too.
export { mapLimited } from '../core/concurrency.ts';

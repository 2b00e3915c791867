// The dialect kit: what every dialect needs besides its own translation (mapping.ts) — errors in the
// dialect's shape, one page of a job list, reading and saving jobs, mounting under a prefix and on a
// port of its own. A dialect's routes parse (mapping.ts), call core, and render with these.
export { clientFacing, errorRenderer, withDetails, type ErrorClass, type ErrorShape, type Failure } from './errors.ts';
export { asWritten, changedSince, isKind, orMissing, param, replaceUnchanged, stableJson, writableOf } from './jobs.ts';
export { JOB_LIST_PAGE, NEXT_CURSOR_HEADER, pageOf, pageQuery, readEach, setNextCursor, type PageError, type PageLimit, type PageRequest } from './lists.ts';
export { closeServer, listen, listenOwnPort, mountSurface, type DialectSurface, type OwnPort } from './mount.ts';

// @temporalio/proto is CommonJS whose exports Node's ESM loader cannot detect by name, so its
// values come through the default export. Types are imported with `import type { temporal }`.
import protoPkg from '@temporalio/proto';

export const enums = protoPkg.temporal.api.enums.v1;

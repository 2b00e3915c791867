// What a saved job's `data` must look like for its driver, checked by the job service at save time
// (core/jobs/service.ts) — so a bad config is a 400 when the job is saved, not a failed run later.
// The worker's drivers (activities/) run with the same schemas after resolving secrets.
import { z } from 'zod';
import { findSecretRefs, isSecretRef, SecretRefError } from '../secrets/refs.ts';

/** A string that is a valid http(s) URL and any plain string: what a secret reference stands for at save time. */
const SECRET_PLACEHOLDER = 'https://secret.invalid/';

const replaceRefs = (v: unknown): unknown => {
  if (isSecretRef(v)) return SECRET_PLACEHOLDER;
  if (Array.isArray(v)) return v.map(replaceRefs);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceRefs(x)]));
  return v;
};

/**
 * The save-time schema for a driver's data: secret references are well-formed and stand where a
 * string may stand; everything else must match the driver's schema exactly (same paths and messages).
 */
export function savedDataSchema(schema: z.ZodType): z.ZodType {
  return z.unknown().superRefine((value, ctx) => {
    try {
      findSecretRefs(value);
    } catch (err) {
      if (err instanceof SecretRefError) {
        ctx.addIssue({ code: 'custom', path: err.path ? err.path.split('.') : [], message: err.message });
        return;
      }
      throw err;
    }
    const r = schema.safeParse(replaceRefs(value));
    if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: [...i.path], message: i.message });
  });
}

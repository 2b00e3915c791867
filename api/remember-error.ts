// The shared error handler (api/app.ts) hands a dialect's renderer the error normalized onto a
// Kairos status, which loses what a dialect's own error class carries (its status, code, fields).
// A dialect's routes therefore keep the error as thrown in ctx.state, under the dialect's own key,
// for its renderer to prefer.
import type { Middleware } from 'koa';

/** Stores any error thrown downstream in `ctx.state[key]` and rethrows it. */
export function rememberErrorAs<State>(key: keyof State & string): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      (ctx.state as Record<string, unknown>)[key] = err;
      throw err;
    }
  };
}

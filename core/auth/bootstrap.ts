// The first admin, made before the stack starts (npm start, the test harness, benchmarks): opens the
// state store (migrating it and importing an older data dir's auth.json first), makes sure an admin
// can log in (AuthStore.bootstrapAdmin), and closes the store again, so that the API and worker
// processes launched next open it themselves.
import type { Config } from '../config.ts';
import { openState } from '../db/state.ts';
import { openAuthStore, type BootstrapResult } from './store.ts';

/** Bootstraps the admin in the state store `cfg.database` names; answers what was done and where the store is. */
export async function bootstrapAdminInState(cfg: Pick<Config, 'admin' | 'database'>): Promise<BootstrapResult & { location: string }> {
  const db = await openState(cfg.database);
  try {
    return { ...(await openAuthStore({}, db).bootstrapAdmin(cfg)), location: db.location };
  } finally {
    await db.close();
  }
}

// The one access policy of Kairos: who may do what with a job. Every API surface (native /v1, Dapr,
// Fusion, Volt MX, Informer, CluedIn, the dashboard) reaches jobs and runs through the job and run
// services, and those ask `can` — nothing else decides. It is a pure function of the principal, the
// action, the job's owner and the grant (the highest share level the principal holds on this creation
// of the job, itself or through a team; gathered by core/access/service.ts).
//
//   owner, admin  everything
//   share read    read (also run history), list
//   share run     also run now, stop and abort runs
//   share edit    also change the job
//   share admin   also manage its shares and hand it to another owner (`own`)
//   delete        the owner and admins only: a share never lets anyone destroy a job (Informer's rule)
//
// A principal that may not read a job gets not_found for anything about it (it never learns that the
// job exists); one that may read but not act gets forbidden.
import type { ShareLevel } from '../db/schema.ts';
import { forbidden, notFound } from '../errors.ts';

export type { ShareLevel } from '../db/schema.ts';

/** Who asks: a user (a login, an API key or a dialect token all act as their user). */
export interface Principal {
  id: string;
  role: 'admin' | 'user';
}

/** Everything one may do with a job. `own` is handing it to another owner. */
export const ACTIONS = ['read', 'list', 'run', 'stop', 'edit', 'delete', 'share', 'own'] as const;
export type Action = (typeof ACTIONS)[number];

/** Share levels, weakest first. */
export const SHARE_LEVELS = ['read', 'run', 'edit', 'admin'] as const satisfies readonly ShareLevel[];
export const isShareLevel = (v: unknown): v is ShareLevel => (SHARE_LEVELS as readonly unknown[]).includes(v);

/** What the principal holds on one job besides ownership and role: its highest share level, if any. */
export type Grant = ShareLevel | undefined;

/** The least share level an action needs; `null`: no share is enough (owner and admins only). */
const NEEDS: Record<Action, ShareLevel | null> = {
  read: 'read',
  list: 'read',
  run: 'run',
  stop: 'run',
  edit: 'edit',
  share: 'admin',
  own: 'admin',
  delete: null,
};

const rank = (l: ShareLevel): number => SHARE_LEVELS.indexOf(l);

/** The higher of share levels (undefined when none). */
export function highest(levels: Iterable<ShareLevel | undefined>): Grant {
  let best: Grant;
  for (const l of levels) if (l !== undefined && (best === undefined || rank(l) > rank(best))) best = l;
  return best;
}

/** Whether the principal owns the job or is an admin: then every action is allowed. */
export const hasFullAccess = (p: Principal, job: { ownerId: string }): boolean => p.role === 'admin' || p.id === job.ownerId;

/** May `p` do `action` with `job`, given its grant on it? Pure: the whole rule is here. */
export function can(p: Principal, action: Action, job: { ownerId: string }, grant: Grant): boolean {
  if (hasFullAccess(p, job)) return true;
  const need = NEEDS[action];
  return need !== null && grant !== undefined && rank(grant) >= rank(need);
}

/** Every action with whether it is allowed (for surfaces that show permissions, as Informer does). */
export function permissions(p: Principal, job: { ownerId: string }, grant: Grant): Record<Action, boolean> {
  return Object.fromEntries(ACTIONS.map((a) => [a, can(p, a, job, grant)])) as Record<Action, boolean>;
}

/**
 * Throws unless `p` may do `action`: not_found when it may not even read the job (so ids cannot be
 * probed), forbidden when it may read but not act.
 */
export function authorize(p: Principal, action: Action, job: { id: string; ownerId: string }, grant: Grant): void {
  if (!can(p, 'read', job, grant)) throw notFound('job', job.id);
  if (!can(p, action, job, grant)) throw forbidden(`this needs ${action} permission on job '${job.id}'`);
}

/**
 * Who a permitted change is made as: the caller when it owns the job or is an admin, else the owner,
 * so that quotas count for the owner and the job's secrets keep resolving for the owner.
 */
export function actingFor(ownerId: string, p: Principal): Principal {
  return hasFullAccess(p, { ownerId }) ? p : { id: ownerId, role: 'user' };
}

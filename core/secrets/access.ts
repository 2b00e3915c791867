// Who may use which secret. A reference `{"$secret": "NAME"}` in a job resolves for the job's OWNER
// (never for whoever saved or started it), in this order:
//   0. the Dapr app token secret (KAIROS_DAPR_APP_API_TOKEN_SECRET) in an http job whose literal URL
//      has the origin of a configured Dapr app (KAIROS_DAPR_APP_URL / KAIROS_DAPR_APP_URLS): the
//      operator's secret of that name, for every owner (Dapr jobs of every user need it to deliver);
//   1. the owner's own secret NAME;
//   2. a secret NAME shared with the owner (by id, through a team the owner is a member of, or with
//      all users) by an owner who is an admin now, or by the operator; two or more such secrets are
//      ambiguous and refused;
//   3. when the owner is an admin: the operator's secret NAME (a version-1 file entry, else
//      KAIROS_SECRET_NAME), except the Dapr app token secret, which goes to Dapr apps only (rule 0).
// Anything else is unavailable, with one message whether it does not exist or is not permitted, so
// a user never learns that another user's secret exists. The same function decides at save (the
// job service's check) and at run (the worker), with the roles read from the credential store and
// the team memberships from the state store then.
import { isDeepStrictEqual } from 'node:util';
import { validationError } from '../errors.ts';
import type { SaveCheck } from '../jobs/service.ts';
import type { Role } from '../auth/store.ts';
import { findSecretRefs, SecretRefError } from './refs.ts';
import { OPERATOR, type SecretEntry, type SecretInfo, type SecretStore, type Shares } from './store.ts';

/** Who the messages name by default: the owner of a job. */
const JOB_OWNER = "the job's owner";

/** The message for a secret a job's owner may not use, the same whether it exists or not. */
export const unavailableMessage = (name: string, owner = JOB_OWNER) => `secret '${name}' is not available to ${owner}`;
export const ambiguousMessage = (name: string, owner = JOB_OWNER) =>
  `secret '${name}' is shared with ${owner} by more than one admin; save a secret of your own named ${name}, or ask an admin to unshare one`;

/** Where the users' current roles come from (the credential store). */
export interface UserDirectory {
  listUsers(): Promise<readonly { id: string; role: Role }[]>;
}

/** The configured Dapr apps, for rule 0. */
export interface DaprTokenRule {
  /** KAIROS_DAPR_APP_API_TOKEN_SECRET */
  tokenSecret?: string;
  /** KAIROS_DAPR_APP_URL and the KAIROS_DAPR_APP_URLS values. */
  appUrls: readonly string[];
}

/** A job as far as secrets are concerned: its owner, its type and its data (references unresolved). */
export interface SecretSubject {
  ownerId: string | undefined;
  /** The owner's role; omitted → read from the credential store (unknown users are not admins). */
  ownerRole?: Role;
  type: string;
  data: unknown;
  /** How messages name the owner ("you" when checking a caller's own rule); default "the job's owner". */
  ownerNoun?: string;
}

/** A name's resolution: a value, or why not (the message names the secret). */
export type Resolution = { ok: true; entry: SecretEntry } | { ok: false; message: string };

/** What an owner may use of the secrets: SecretAccess's lookup, all that drivers and alert channels need. */
export type SecretSource = Pick<SecretAccess, 'lookup'>;

/** What one owner may use: for resolving (worker) and checking (save). */
export type SecretLookup = (name: string) => Resolution;

/** The origin of an http job's literal URL, or undefined. */
function httpOrigin(subject: SecretSubject): string | undefined {
  if (subject.type !== 'http' || typeof subject.data !== 'object' || subject.data === null) return undefined;
  const url = (subject.data as { url?: unknown }).url;
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  return new URL(url).origin;
}

/** Whether shares cover `userId`: every user, the user by id, or a team of theirs (`teams`). */
export function sharedWith(shares: Shares, userId: string, teams: ReadonlySet<string>): boolean {
  return shares.all || shares.users.some((p) => p === userId || teams.has(p));
}

/**
 * The pure policy: what `subject`'s owner may use among `entries`, given who is an admin now and
 * which teams the owner is a member of. Exported for unit tests; SecretAccess feeds it the stores.
 */
export function lookupFor(
  entries: readonly SecretEntry[],
  admins: ReadonlySet<string>,
  subject: SecretSubject,
  dapr: DaprTokenRule,
  ownerTeams: ReadonlySet<string> = new Set(),
): SecretLookup {
  const owner = subject.ownerId;
  const ownerIsAdmin = subject.ownerRole !== undefined ? subject.ownerRole === 'admin' : owner !== undefined && admins.has(owner);
  const origin = httpOrigin(subject);
  const daprOrigins = new Set(dapr.appUrls.filter((u) => URL.canParse(u)).map((u) => new URL(u).origin));
  const toDaprApp = origin !== undefined && daprOrigins.has(origin);
  // The operator's: the file's version-1 entry wins over the environment (as before owners).
  const operators = (name: string) => entries.find((e) => e.owner === OPERATOR && e.name === name && e.source === 'file') ?? entries.find((e) => e.owner === OPERATOR && e.name === name);
  return (name) => {
    const unavailable: Resolution = { ok: false, message: unavailableMessage(name, subject.ownerNoun) };
    const isDaprToken = dapr.tokenSecret !== undefined && name === dapr.tokenSecret;
    if (isDaprToken && toDaprApp) {
      const e = operators(name);
      if (e) return { ok: true, entry: e };
    }
    if (owner === undefined) return unavailable;
    const mine = entries.find((e) => e.owner === owner && e.name === name && e.source === 'file' && owner !== OPERATOR);
    if (mine) return { ok: true, entry: mine };
    const shared = entries.filter(
      (e) => e.name === name && e.source === 'file' && (e.owner === OPERATOR || admins.has(e.owner)) && sharedWith(e.sharedWith, owner, ownerTeams),
    );
    if (shared.length > 1) return { ok: false, message: ambiguousMessage(name, subject.ownerNoun) };
    if (shared[0]) return { ok: true, entry: shared[0] };
    if (ownerIsAdmin && !isDaprToken) {
      const e = operators(name);
      if (e) return { ok: true, entry: e };
    }
    return unavailable;
  };
}

/** Whether `viewer` (a member of `viewerTeams`) may see `s` in a listing: the secrets they may use (admins see every one). */
export function visibleTo(s: SecretInfo, viewer: { id: string; role: Role }, admins: ReadonlySet<string>, viewerTeams: ReadonlySet<string> = new Set()): boolean {
  if (viewer.role === 'admin') return true;
  if (s.owner === viewer.id) return s.source === 'file';
  return s.source === 'file' && (s.owner === OPERATOR || admins.has(s.owner)) && sharedWith(s.sharedWith, viewer.id, viewerTeams);
}

/** The store, the credential store and the Dapr rule together: checks at save, values at run. */
export class SecretAccess {
  constructor(
    readonly store: SecretStore,
    readonly users: UserDirectory,
    private readonly dapr: DaprTokenRule = { appUrls: [] },
  ) {}

  /** The ids of the users who are admins now. */
  async admins(): Promise<Set<string>> {
    return new Set((await this.users.listUsers()).filter((u) => u.role === 'admin').map((u) => u.id));
  }

  /** The teams `userId` is a member of (none for an unknown owner). */
  async teamsOf(userId: string | undefined): Promise<Set<string>> {
    return userId === undefined ? new Set() : await this.store.teamsOf(userId);
  }

  /**
   * The lookup for one job (reads the store, the roles and the owner's teams once). Only the names
   * the job's data references are read; data whose references are malformed reads every name.
   */
  async lookup(subject: SecretSubject): Promise<SecretLookup> {
    let names: string[] | undefined;
    try {
      names = [...new Set(findSecretRefs(subject.data).map((r) => r.name))];
    } catch (err) {
      if (!(err instanceof SecretRefError)) throw err;
    }
    const [entries, admins, teams] = await Promise.all([this.store.entries(names), this.admins(), this.teamsOf(subject.ownerId)]);
    return lookupFor(entries, admins, subject, this.dapr, teams);
  }

  /** Which of `ids` are no user (credential store) and no user or team (state store): for share lists. */
  async unknownPrincipals(ids: readonly string[]): Promise<string[]> {
    const [users, principals] = await Promise.all([this.users.listUsers(), this.store.knownPrincipals(ids)]);
    const known = new Set([...users.map((u) => u.id), ...principals]);
    return ids.filter((id) => !known.has(id));
  }

  /**
   * Throws a validation error (400) naming the first reference the job's owner may not use, at its
   * path: `data.headers.authorization: secret 'X' is not available to the job's owner`.
   */
  async check(subject: SecretSubject): Promise<void> {
    let refs: { path: string; name: string }[];
    try {
      refs = findSecretRefs(subject.data);
    } catch (err) {
      if (err instanceof SecretRefError) return; // malformed: the data schema reports it
      throw err;
    }
    if (refs.length === 0) return;
    const lookup = await this.lookup(subject);
    const details = refs.flatMap((r) => {
      const res = lookup(r.name);
      return res.ok ? [] : [{ path: r.path ? `data.${r.path}` : 'data', message: res.message }];
    });
    if (details.length > 0) throw validationError('invalid job data', details);
  }

  /**
   * The job service's check at save (create and every write, on all surfaces). The owner's role is
   * the stored one, and no more than the caller's when the caller is the owner (an admin's
   * user-role API key saves as a user). A write that changes neither the data, the type nor the
   * owner is not checked again (pausing a job whose secret was unshared since stays possible; its
   * runs fail at the run-time check).
   */
  readonly saveCheck: SaveCheck = async ({ spec, ownerId, current }, actor) => {
    if (current && current.ownerId === ownerId && current.type === spec.type && isDeepStrictEqual(current.data, spec.data)) return;
    const stored = await this.roleOf(ownerId);
    const ownerRole: Role = stored === 'admin' && !(ownerId === actor.id && actor.role !== 'admin') ? 'admin' : 'user';
    await this.check({ ownerId, ownerRole, type: spec.type, data: spec.data });
  };

  /** The role the owner has now: an unknown owner (a deleted user, a dialect's principal) is no admin. */
  async roleOf(id: string): Promise<Role | undefined> {
    return (await this.users.listUsers()).find((u) => u.id === id)?.role;
  }

  /** Configured Dapr apps from the validated configuration. */
  static daprRule(cfg: { dapr: { appUrl?: string; appUrls: Record<string, string>; appApiTokenSecret?: string } }): DaprTokenRule {
    return { tokenSecret: cfg.dapr.appApiTokenSecret, appUrls: [...(cfg.dapr.appUrl ? [cfg.dapr.appUrl] : []), ...Object.values(cfg.dapr.appUrls)] };
  }
}

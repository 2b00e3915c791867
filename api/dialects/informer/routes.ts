// Informer Jobs API routes under {prefix}/api: /jobs (search, create), /jobs-list, /jobs/{id} (get,
// replace, delete, run now), /jobs/{id}/_edit and /_commit (drafts), /owner, /favorite, /shares, and
// the three links a job carries (/history, /actions, /datasets). Parse (mapping.ts), call the core
// services (jobs, runs, access, drafts, favorites, natural ids), render Informer's shapes.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { readJsonBody, type BodyErrors } from '../../raw-body.ts';
import { principalOf } from '../../auth.ts';
import { mapLimited } from '../../map-limited.ts';
import { notFound } from '../../../core/errors.ts';
import { JOB_ID_PATTERN } from '../../../core/jobs/model.ts';
import type { Actor, JobService, JobView } from '../../../core/jobs/service.ts';
import type { RunService, RunView } from '../../../core/runs/service.ts';
import { awaitRun } from '../../../core/runs/await.ts';
import { DRAFT_DIALECT, draftOf, draftTarget, inputOf, type DraftService } from '../../../core/drafts/service.ts';
import { belongsTo } from '../../../core/jobs/attachments.ts';
import type { FavoriteStore } from '../../../core/favorites/store.ts';
import { slugify, type NaturalIdStore } from '../../../core/names/store.ts';
import { fromInformerLevel, INFORMER_LEVELS, toInformerLevel, type JobAccess, type OpenedJob, type Permissions, type ReadableJob } from '../../../core/sharing/access.ts';
import type { ShareStore } from '../../../core/sharing/store.ts';
import type { PublicUser } from '../../../core/auth/store.ts';
import { orMissing, replaceUnchanged } from '../kit/index.ts';
import { z } from 'zod';
import { KAIROS_SECURITY, KAIROS_SECURITY_SCHEMES, registerDocument, registerOperations, type ErrorStatus, type Operation } from '../../openapi.ts';
import { InformerError, InformerErrorBodySchema, invalid } from './errors.ts';
import {
  applyBody,
  canonicalIdOfUuid,
  defaultFields,
  driverTypeOf,
  executionSteps,
  fieldsOf,
  informerExtrasOf,
  informerIdOf,
  InformerJobBodySchema,
  isUuid,
  ListQuerySchema,
  parseBody,
  parseListQuery,
  renderHistoryRow,
  renderJob,
  renderListItem,
  toJobInput,
  type Body,
  type SortField,
} from './mapping.ts';

export interface InformerDeps {
  jobs: JobService;
  runs: RunService;
  users: { listUsers(): Promise<PublicUser[]> };
  /** Teams a job may be shared with, by name (the state store's principals). */
  teams: { listTeams(): Promise<{ id: string; name: string }[]> };
  access: JobAccess;
  drafts: DraftService;
  favorites: FavoriteStore;
  names: NaturalIdStore;
  shares: ShareStore;
  bodyLimitBytes: number;
}

const BODY_ERRORS: BodyErrors = {
  tooLarge: () => new InformerError(413, 'Payload content length greater than maximum allowed'),
  malformed: (message) => new InformerError(400, `Invalid request payload JSON format: ${message}`),
};

/** PUT …/owner: the new owner, a username. */
const OwnerBodySchema = z.object({ ownerId: z.string().trim().min(1).describe('a username') }).strict();
/** PUT …/shares/{principalId}: how far. */
const ShareBodySchema = z.object({ accessLevel: z.literal(INFORMER_LEVELS).describe('1 read, 2 edit and run, 3 also share') }).strict();

/** A search reads the description of each job whose name does not match (one describe each): at most this many. */
const MAX_DESCRIPTIONS_SEARCHED = 1000;

/** Users and teams by id and by name: Informer shows owners and share principals by name. */
interface Directory {
  nameOf(id: string): string;
  /** A user's or team's name or id → its id; undefined for no such principal. */
  idOf(text: string): string | undefined;
  /** Whether the id is a team's (a team may be shared with, never own a job). */
  isTeam(id: string): boolean;
}

async function directory(users: InformerDeps['users'], teams: InformerDeps['teams']): Promise<Directory> {
  const [list, teamList] = await Promise.all([users.listUsers(), teams.listTeams()]);
  const all = [...teamList, ...list.map((u) => ({ id: u.id, name: u.username }))];
  const byId = new Map(all.map((u) => [u.id, u.name]));
  const byName = new Map(all.map((u) => [u.name, u.id]));
  const teamIds = new Set(teamList.map((t) => t.id));
  return { nameOf: (id) => byId.get(id) ?? id, idOf: (t) => byName.get(t) ?? (byId.has(t) ? t : undefined), isTeam: (id) => teamIds.has(id) };
}

export function informerRoutes(deps: InformerDeps, base: string): Router {
  const { jobs, runs, access, drafts, favorites, names, shares } = deps;
  const r = new Router({ prefix: base });

  /**
   * The job an Informer id names: a UUID (`informer.<uuid>`), a natural id `<username>:<slug>`, or a
   * canonical id. Each candidate is read directly; a missing job or one the caller may not read is 404.
   */
  async function resolve(text: string, actor: Actor, dir: Directory): Promise<OpenedJob> {
    const candidates: { id: string; natural?: { owner: string; slug: string; indexed?: { incarnation: string | undefined } } }[] = [];
    if (isUuid(text)) candidates.push({ id: canonicalIdOfUuid(text) });
    else if (text.length <= 400) {
      const colon = text.indexOf(':');
      const owner = colon > 0 ? dir.idOf(text.slice(0, colon)) : undefined;
      if (owner !== undefined) {
        const slug = text.slice(colon + 1);
        const indexed = await names.lookup(owner, slug);
        if (indexed) candidates.push({ id: indexed.id, natural: { owner, slug, indexed } });
        else if (JOB_ID_PATTERN.test(slug)) candidates.push({ id: slug, natural: { owner, slug } });
      }
      if (JOB_ID_PATTERN.test(text)) candidates.push({ id: text });
    }
    for (const c of candidates) {
      const opened = await orMissing(access.open(c.id, actor));
      if (!opened) {
        // Its job was deleted elsewhere — which only the owner (or an admin) can tell: to anyone else a
        // job they may not read looks missing too, and their lookup must not erase the owner's name.
        if (c.natural && (c.natural.owner === actor.id || actor.role === 'admin')) await names.release(c.id, c.natural.owner);
        continue;
      }
      const j = opened.view.job;
      // An index entry is confirmed by the job itself (its owner may have changed through another API).
      // An index entry made for an earlier job with this id (see core/jobs/attachments.ts) names nothing.
      if (c.natural && (j.ownerId !== c.natural.owner || ((j.slug ?? j.id) !== c.natural.slug && j.id !== c.natural.slug))) continue;
      if (c.natural?.indexed && !belongsTo(c.natural.indexed.incarnation, j)) continue;
      return opened;
    }
    throw notFound('job', text);
  }

  function require(opened: OpenedJob, need: keyof Permissions, id: string): void {
    if (!opened.permissions[need]) throw new InformerError(403, `job:${need === 'edit' ? 'edit' : need} permission is required for job '${id}'`);
  }

  /** Resolves the :id parameter, then checks the permission the route needs. */
  async function target(ctx: Context, need: keyof Permissions = 'read') {
    const actor = principalOf(ctx);
    const dir = await directory(deps.users, deps.teams);
    const id = (ctx.params as Record<string, string | undefined>).id ?? '';
    const opened = await resolve(id, actor, dir);
    require(opened, need, id);
    return { actor, dir, id, opened, draftOf: draftOf(opened.view.job) };
  }

  const notADraft = (what: string) => invalid('id', `names a draft; ${what}`, 'params');

  function render(opened: OpenedJob, view: JobView, dir: Directory): Record<string, unknown> {
    const of = draftOf(view.job);
    const shown = of ? drafts.viewOf(view) : view;
    return renderJob(shown, { base, owner: dir.nameOf(shown.job.ownerId), permissions: opened.permissions, editingId: of ? informerIdOf(of) : null });
  }

  function checkType(type: string): void {
    if (!jobs.supportsType(driverTypeOf(type))) {
      throw invalid('type', `'${type}' is not a job type Kairos can run: use http (or its Informer name api-call), datasource or cleanup`);
    }
  }

  function checkLock(b: Body, current: string | null, actor: Actor): void {
    if (b.lockedAt !== undefined && b.lockedAt !== current && actor.role !== 'admin') {
      throw new InformerError(403, '"lockedAt" may be changed by an admin only');
    }
  }

  const readBody = async (ctx: Context) => await readJsonBody(ctx, deps.bodyLimitBytes, BODY_ERRORS);

  // ---- lists ---------------------------------------------------------------------------------

  /** Every job the caller may read, drafts left out. */
  async function listed(actor: Actor): Promise<ReadableJob[]> {
    return (await access.readable(actor)).filter((x) => x.summary.dialect !== DRAFT_DIALECT);
  }

  r.get('/jobs', async (ctx) => {
    const q = parseListQuery(ctx.query);
    const actor = principalOf(ctx);
    const dir = await directory(deps.users, deps.teams);
    let items = await listed(actor);
    const views = new Map<string, JobView>();
    if (q.q) {
      // Names are in the list; descriptions need a read of each job whose name does not match.
      const needle = q.q.toLowerCase();
      const unread = items.filter((x) => !x.summary.name.toLowerCase().includes(needle)).length;
      if (unread > MAX_DESCRIPTIONS_SEARCHED) {
        throw new InformerError(400, `"q" would search the descriptions of ${unread} jobs, more than ${MAX_DESCRIPTIONS_SEARCHED}; search a name instead`, [
          { path: 'q', message: `searches at most ${MAX_DESCRIPTIONS_SEARCHED} descriptions` },
        ], 'query');
      }
      const hit = await mapLimited(items, async (x) => {
        if (x.summary.name.toLowerCase().includes(needle)) return true;
        const v = await orMissing(access.open(x.summary.id, actor));
        if (v) views.set(x.summary.id, v.view);
        return v !== undefined && v.view.job.description.toLowerCase().includes(needle);
      });
      items = items.filter((_, i) => hit[i]);
    }
    const key = (x: ReadableJob, f: SortField): string => {
      const v = f === 'ownerId' ? dir.nameOf(x.summary.ownerId) : x.summary[f];
      return v === null ? '\uffff' : String(v).toLowerCase();
    };
    items.sort((a, b) => {
      const x = key(a, q.sort.field);
      const y = key(b, q.sort.field);
      return (x < y ? -1 : x > y ? 1 : 0) * q.sort.dir || (a.summary.id < b.summary.id ? -1 : 1);
    });
    const page = items.slice(q.start, q.start + q.limit);
    const read = await mapLimited(page, async (x) => views.get(x.summary.id) ?? (await orMissing(access.open(x.summary.id, actor)))?.view);
    const rendered = read.filter((v): v is JobView => v !== undefined).map((v) => renderListItem(v, { base, owner: dir.nameOf(v.job.ownerId) }));
    ctx.body = {
      _links: { self: { href: `${base}/jobs{?sort,limit,start,q}`, templated: true } },
      _embedded: { 'inf:job': rendered },
      start: q.start,
      count: rendered.length,
      total: items.length,
    };
  });

  r.get('/jobs-list', async (ctx) => {
    const actor = principalOf(ctx);
    const [items, dir, naturalIds] = await Promise.all([listed(actor), directory(deps.users, deps.teams), names.all()]);
    const allShares = await shares.index(items.map((x) => x.summary));
    // Each job's own Informer type ("email", "api-call"), kept with the job; the list knows only the driver's.
    // One head read per job (the state store, not Temporal).
    const opened = await mapLimited(items, async (x) => await orMissing(access.open(x.summary.id, actor)));
    const typeOf = new Map(opened.filter((o): o is OpenedJob => o !== undefined).map((o) => [o.view.job.id, fieldsOf(o.view.job).type]));
    ctx.body = items
      .sort((a, b) => a.summary.name.localeCompare(b.summary.name) || a.summary.id.localeCompare(b.summary.id))
      .map(({ summary: s, permissions: p }) => {
        const owner = dir.nameOf(s.ownerId);
        const nid = naturalIds.of(s);
        const slug = nid && nid.ownerId === s.ownerId ? nid.slug : s.id;
        return {
          id: informerIdOf(s.id),
          name: s.name,
          type: typeOf.get(s.id) ?? s.type,
          enabled: s.enabled,
          ownerId: owner,
          ownerName: owner,
          naturalId: `${owner}:${slug}`,
          tags: s.tags,
          sharing: allShares.of(s).map((x) => ({ principalId: dir.nameOf(x.principalId), accessLevel: toInformerLevel(x.level) })),
          permissions: { edit: p.edit, write: p.edit, delete: p.delete, share: p.share },
        };
      });
  });

  // ---- create, read, replace, delete, run ----------------------------------------------------

  r.post('/jobs', async (ctx) => {
    const actor = principalOf(ctx);
    const b = parseBody(await readBody(ctx), 'create');
    const { fields } = applyBody(defaultFields(), b);
    checkType(fields.type);
    checkLock(b, null, actor);
    const uuid = randomUUID();
    const id = canonicalIdOfUuid(uuid);
    const input = toJobInput(fields, { id }, true, true); // validates the interval before anything is written
    const wanted = fields.slug ?? slugify(fields.name);
    const slug = await names.reserve(actor.id, wanted, { id });
    if (fields.slug && slug !== fields.slug) {
      await names.release(id);
      throw new InformerError(409, `"slug" '${fields.slug}' is taken by another of your jobs`, [{ path: 'slug', message: 'is taken' }]);
    }
    let created: JobView;
    try {
      created = await jobs.create({ ...input, slug }, actor);
    } catch (err) {
      await names.release(id);
      throw err;
    }
    // The natural id now names this creation of the job (reserved before it existed).
    await names.reserve(actor.id, slug, created.job);
    const dir = await directory(deps.users, deps.teams);
    ctx.status = 201;
    ctx.set('Location', `${base}/jobs/${uuid}`);
    ctx.body = { id: uuid, name: created.job.name, type: fieldsOf(created.job).type, ownerId: dir.nameOf(created.job.ownerId), timezone: created.job.timezone, enabled: created.job.enabled };
  });

  r.get('/jobs/:id', async (ctx) => {
    const { opened, dir } = await target(ctx);
    ctx.body = render(opened, opened.view, dir);
  });

  r.put('/jobs/:id', async (ctx) => {
    const b = parseBody(await readBody(ctx), 'update');
    const { actor, opened, dir, draftOf: of } = await target(ctx, 'edit');
    const shown = of ? drafts.viewOf(opened.view) : opened.view;
    const current = shown.job;
    const was = fieldsOf(current);
    const ro = b.readOnly;
    if (ro.id !== undefined && ro.id !== informerIdOf(opened.view.job.id)) throw invalid('id', 'cannot be changed');
    if (ro.ownerId !== undefined && dir.idOf(String(ro.ownerId)) !== current.ownerId) throw invalid('ownerId', 'cannot be changed here; use PUT …/owner');
    if (ro.slug !== undefined && ro.slug !== (was.slug ?? current.id)) throw invalid('slug', 'cannot be changed: it is the job\'s natural id');
    if (ro.source !== undefined && ro.source !== was.source) throw invalid('source', 'cannot be changed');
    if (ro.sourceId !== undefined && ro.sourceId !== was.sourceId) throw invalid('sourceId', 'cannot be changed');
    checkLock(b, was.lockedAt, actor);
    const { fields, scheduleChanged } = applyBody(was, b);
    checkType(fields.type);
    const input = toJobInput(fields, inputOf(current), scheduleChanged || informerExtrasOf(current) !== undefined) as Record<string, unknown>;
    const saved = of
      ? await drafts.save(opened.view, input, opened.acting)
      : await replaceUnchanged(jobs, shown, input, opened.acting);
    ctx.body = render(opened, saved, dir);
  });

  r.delete('/jobs/:id', async (ctx) => {
    const { opened, draftOf: of, id } = await target(ctx);
    const job = opened.view.job;
    if (of) {
      // Discarding a draft is an edit of the job it belongs to.
      require(opened, 'edit', id);
      await drafts.discard(job.id, opened.acting);
    } else {
      require(opened, 'delete', id);
      // Its draft, shares, favorites and natural ids go with it (core: JobService.delete).
      await jobs.delete(job.id, opened.acting);
    }
    ctx.status = 204;
  });

  r.post('/jobs/:id', async (ctx) => {
    const { opened, draftOf: of } = await target(ctx, 'run');
    if (of) throw notADraft('commit it before running it');
    // The answer is the run's outcome, which may take long: no socket timeout (as Informer does).
    ctx.req.setTimeout(0);
    const stop = new AbortController();
    ctx.res.once('close', () => stop.abort());
    const { runId } = await jobs.runNow(opened.view.job.id, opened.acting);
    const run = await awaitRun(runs, runId, opened.acting, stop.signal);
    ctx.body = { success: run.status === 'succeeded', duration: run.durationMs ?? 0, history: executionSteps(run) };
  });

  // ---- drafts --------------------------------------------------------------------------------

  r.post('/jobs/:id/_edit', async (ctx) => {
    const { opened, dir, draftOf: of } = await target(ctx, 'edit');
    if (of) throw notADraft('edit it directly');
    const { view, created } = await drafts.open(opened.view, opened.acting);
    ctx.status = created ? 201 : 200;
    ctx.body = render(opened, view, dir);
  });

  r.post('/jobs/:id/_commit', async (ctx) => {
    const { opened, dir, draftOf: of } = await target(ctx, 'edit');
    if (!of) throw invalid('id', 'names a job, not a draft: open a draft with POST …/_edit first', 'params');
    const committed = await drafts.commit(opened.view, opened.acting);
    ctx.body = render(opened, committed, dir);
  });

  // ---- owner, favorite, shares ---------------------------------------------------------------

  r.get('/jobs/:id/owner', async (ctx) => {
    const { opened, dir } = await target(ctx);
    ctx.body = { ownerId: dir.nameOf(opened.view.job.ownerId) };
  });

  r.put('/jobs/:id/owner', async (ctx) => {
    const raw = await readBody(ctx);
    const given = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
    if (!given) throw invalid('ownerId', 'is required in a JSON object body');
    const extra = Object.keys(given).filter((k) => k !== 'ownerId');
    if (extra.length > 0) throw new InformerError(400, extra.map((k) => `"${k}" is not allowed`).join('; '), extra.map((k) => ({ path: k, message: 'is not allowed' })));
    const wanted = OwnerBodySchema.shape.ownerId.safeParse(given.ownerId);
    if (!wanted.success) throw invalid('ownerId', 'must be a username');
    const { actor, opened, dir, draftOf: of } = await target(ctx, 'edit');
    if (of) throw notADraft('change the owner of the job it edits');
    const newOwner = dir.idOf(wanted.data);
    if (newOwner === undefined || dir.isTeam(newOwner)) throw invalid('ownerId', `'${wanted.data}' is not a user`);
    const job = opened.view.job;
    // The natural id moves with the job: its slug under the new owner (suffixed if that one is taken).
    const slug = await names.reserve(newOwner, job.slug ?? slugify(job.name), job);
    let saved: JobView;
    try {
      saved = await access.transferOwner(job.id, actor, newOwner, job.slug === slug ? {} : { slug });
    } catch (err) {
      if (newOwner !== job.ownerId) await names.release(job.id, newOwner);
      throw err;
    }
    if (newOwner !== job.ownerId) await names.release(job.id, job.ownerId);
    ctx.body = { ownerId: dir.nameOf(saved.job.ownerId) };
  });

  r.get('/jobs/:id/favorite', async (ctx) => {
    const { actor, opened } = await target(ctx);
    ctx.body = { favorited: await favorites.has(actor.id, opened.view.job) };
  });

  r.put('/jobs/:id/favorite', async (ctx) => {
    const { actor, opened } = await target(ctx);
    await favorites.add(actor.id, opened.view.job);
    ctx.body = { favorited: true };
  });

  r.delete('/jobs/:id/favorite', async (ctx) => {
    const { actor, opened } = await target(ctx);
    await favorites.remove(actor.id, opened.view.job);
    ctx.status = 204;
  });

  r.get('/jobs/:id/shares', async (ctx) => {
    const { opened, dir } = await target(ctx);
    const list = await shares.sharesOf(draftTarget(opened.view.job) ?? opened.view.job);
    ctx.body = list.map((s) => ({ principalId: dir.nameOf(s.principalId), accessLevel: toInformerLevel(s.level) }));
  });

  r.put('/jobs/:id/shares/:principalId', async (ctx) => {
    const raw = await readBody(ctx);
    const level = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>).accessLevel : undefined;
    const extra = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? Object.keys(raw).filter((k) => k !== 'accessLevel') : [];
    if (extra.length > 0) throw new InformerError(400, extra.map((k) => `"${k}" is not allowed`).join('; '), extra.map((k) => ({ path: k, message: 'is not allowed' })));
    const parsed = ShareBodySchema.shape.accessLevel.safeParse(level);
    if (!parsed.success) throw invalid('accessLevel', 'must be 1 (read), 2 (edit and run) or 3 (also share)');
    const { actor, opened, dir, draftOf: of } = await target(ctx, 'share');
    if (of) throw notADraft('share the job it edits');
    const principal = dir.idOf(ctx.params.principalId ?? '');
    if (principal === undefined) throw invalid('principalId', `'${ctx.params.principalId ?? ''}' is not a user or team`, 'params');
    await access.share(opened.view.job.id, actor, principal, fromInformerLevel(parsed.data));
    ctx.body = { principalId: dir.nameOf(principal), accessLevel: parsed.data };
  });

  r.delete('/jobs/:id/shares/:principalId', async (ctx) => {
    const { actor, opened, dir } = await target(ctx, 'share');
    const principal = dir.idOf(ctx.params.principalId ?? '');
    if (principal === undefined) throw invalid('principalId', `'${ctx.params.principalId ?? ''}' is not a user or team`, 'params');
    await access.unshare(opened.view.job.id, actor, principal);
    ctx.status = 204;
  });

  // ---- the job's links -----------------------------------------------------------------------

  const collection = (self: string, rel: string, items: unknown[]) => ({
    _links: { self: { href: self } },
    _embedded: { [rel]: items },
    start: 0,
    count: items.length,
    total: items.length,
  });

  // Rows carry what each run did (its record and progress): one read per run, a page at a time.
  r.get('/jobs/:id/history', async (ctx) => {
    const { opened, dir } = await target(ctx);
    const q = parseListQuery({ limit: ctx.query.limit, sort: undefined });
    const job = opened.view.job;
    const page = await runs.list(job.id, { pageSize: q.limit }, opened.acting);
    const read = await mapLimited(page.items, async (run) => await orMissing(runs.get(run.runId, opened.acting)));
    const row = { jobId: informerIdOf(job.id), owner: dir.nameOf(job.ownerId) };
    ctx.body = collection(
      `${base}/jobs/${informerIdOf(job.id)}/history`,
      'inf:job-history',
      read.filter((v): v is RunView => v !== undefined).map((v) => renderHistoryRow(v, row)),
    );
  });

  r.get('/jobs/:id/history/:historyId', async (ctx) => {
    const { opened, dir } = await target(ctx);
    const job = opened.view.job;
    const run = await orMissing(runs.get(ctx.params.historyId ?? '', opened.acting));
    // Another job's run is not in this job's history (and says no more than an unknown id).
    if (!run || run.jobId !== job.id) throw new InformerError(404, `history entry "${ctx.params.historyId}" not found for job "${informerIdOf(job.id)}"`);
    ctx.body = { _links: { self: { href: `${base}/jobs/${informerIdOf(job.id)}/history/${run.runId}` } }, ...renderHistoryRow(run, { jobId: informerIdOf(job.id), owner: dir.nameOf(job.ownerId) }) };
  });

  r.get('/jobs/:id/actions', async (ctx) => {
    const { opened } = await target(ctx);
    // Kairos jobs have one action, the driver's call; Informer's multi-step actions are not modelled.
    ctx.body = collection(`${base}/jobs/${informerIdOf(opened.view.job.id)}/actions`, 'inf:job-action', []);
  });

  r.get('/jobs/:id/datasets', async (ctx) => {
    const { opened } = await target(ctx);
    const datasets = fieldsOf(opened.view.job).datasets ?? {};
    const items = Object.entries(datasets).map(([alias, ref]) => (typeof ref === 'string' ? { alias, datasetId: ref } : { alias, ...ref }));
    ctx.body = collection(`${base}/jobs/${informerIdOf(opened.view.job.id)}/datasets`, 'inf:job-dataset', items);
  });

  return r;
}

// ---- the OpenAPI document (api/openapi.ts) ------------------------------------------------------

const ID = z.object({ id: z.string().describe("the job's UUID, its natural id owner:slug, or a Kairos job id") });
const AnyJson = z.record(z.string(), z.unknown());
const ShareViewSchema = z.object({ principalId: z.string().describe('a username or team name'), accessLevel: z.literal(INFORMER_LEVELS) });

const INFORMER_OPERATIONS: Operation[] = [
  { operationId: 'searchJobs', method: 'get', path: '/jobs', summary: 'Search jobs (HAL: _embedded inf:job, a page)', tag: 'jobs', query: ListQuerySchema, response: AnyJson },
  { operationId: 'listAllJobs', method: 'get', path: '/jobs-list', summary: 'Every job the caller may read, with owner, sharing and permissions', tag: 'jobs', response: z.array(AnyJson) },
  {
    operationId: 'createJob',
    method: 'post',
    path: '/jobs',
    summary: 'Create a job (name and type required; Location names it)',
    tag: 'jobs',
    request: InformerJobBodySchema,
    status: 201,
    response: AnyJson,
    errors: [409],
  },
  { operationId: 'getJob', method: 'get', path: '/jobs/{id}', summary: 'A job', tag: 'jobs', params: ID, response: AnyJson },
  { operationId: 'updateJob', method: 'put', path: '/jobs/{id}', summary: 'Replace a job (or its draft)', tag: 'jobs', params: ID, request: InformerJobBodySchema, response: AnyJson },
  { operationId: 'deleteJob', method: 'delete', path: '/jobs/{id}', summary: 'Delete a job, or discard a draft', tag: 'jobs', params: ID, status: 204 },
  {
    operationId: 'runJob',
    method: 'post',
    path: '/jobs/{id}',
    summary: 'Run a job and answer with its outcome once it ends',
    tag: 'jobs',
    params: ID,
    response: z.object({ success: z.boolean(), duration: z.number(), history: z.array(AnyJson) }),
  },
  { operationId: 'openDraft', method: 'post', path: '/jobs/{id}/_edit', summary: "Open the job's draft (201 when new)", tag: 'drafts', params: ID, response: AnyJson },
  { operationId: 'commitDraft', method: 'post', path: '/jobs/{id}/_commit', summary: 'Make a draft the job', tag: 'drafts', params: ID, response: AnyJson },
  { operationId: 'getOwner', method: 'get', path: '/jobs/{id}/owner', summary: "A job's owner", tag: 'sharing', params: ID, response: OwnerBodySchema },
  { operationId: 'setOwner', method: 'put', path: '/jobs/{id}/owner', summary: 'Hand a job over to another user', tag: 'sharing', params: ID, request: OwnerBodySchema, response: OwnerBodySchema },
  { operationId: 'getFavorite', method: 'get', path: '/jobs/{id}/favorite', summary: 'Whether the job is one of your favorites', tag: 'favorites', params: ID, response: z.object({ favorited: z.boolean() }) },
  { operationId: 'addFavorite', method: 'put', path: '/jobs/{id}/favorite', summary: 'Make it a favorite', tag: 'favorites', params: ID, response: z.object({ favorited: z.boolean() }) },
  { operationId: 'removeFavorite', method: 'delete', path: '/jobs/{id}/favorite', summary: 'Make it no favorite', tag: 'favorites', params: ID, status: 204 },
  { operationId: 'listShares', method: 'get', path: '/jobs/{id}/shares', summary: "A job's shares", tag: 'sharing', params: ID, response: z.array(ShareViewSchema) },
  {
    operationId: 'shareJob',
    method: 'put',
    path: '/jobs/{id}/shares/{principalId}',
    summary: 'Share a job with a user or team (a username or team name)',
    tag: 'sharing',
    params: ID,
    request: ShareBodySchema,
    response: ShareViewSchema,
  },
  { operationId: 'unshareJob', method: 'delete', path: '/jobs/{id}/shares/{principalId}', summary: 'Stop sharing a job with a user or team', tag: 'sharing', params: ID, status: 204 },
  { operationId: 'getJobHistory', method: 'get', path: '/jobs/{id}/history', summary: "A job's runs (HAL: inf:job-history)", tag: 'runs', params: ID, query: ListQuerySchema.pick({ limit: true }), response: AnyJson },
  { operationId: 'getJobHistoryEntry', method: 'get', path: '/jobs/{id}/history/{historyId}', summary: 'One run of a job', tag: 'runs', params: ID, response: AnyJson },
  { operationId: 'getJobActions', method: 'get', path: '/jobs/{id}/actions', summary: "A job's actions (none: a Kairos job is one driver call)", tag: 'jobs', params: ID, response: AnyJson },
  { operationId: 'getJobDatasets', method: 'get', path: '/jobs/{id}/datasets', summary: "A job's datasets", tag: 'jobs', params: ID, response: AnyJson },
];
registerOperations('informer', INFORMER_OPERATIONS.map((op) => ({ ...op, path: `/api${op.path}` })));

registerDocument({
  name: 'informer',
  title: 'Kairos: Informer Jobs API',
  description: "Informer's Jobs API as Kairos serves it, under /informer on the main port (point an Informer client's base URL at it). Kairos credentials.",
  servers: () => [{ url: '/informer', description: 'the main port' }],
  securitySchemes: KAIROS_SECURITY_SCHEMES,
  security: KAIROS_SECURITY,
  error: InformerErrorBodySchema,
  defaultErrors: (op): ErrorStatus[] => [
    ...(op.request || op.query || op.path.includes('{principalId}') ? [400 as const] : []),
    401,
    403,
    ...(op.params ? [404 as const] : []),
    ...(op.request ? [413 as const] : []),
  ],
});

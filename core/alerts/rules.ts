// The API's side of alerts: managing rules and listing deliveries, under the one access policy.
//   - a rule on a job is managed by whoever may edit the job (core/access: owner, admins, an `edit`
//     or `admin` share); naming a job one may not read is the same 404 as naming one that does not
//     exist, so rules cannot probe job ids;
//   - a global rule (no job) is an admin's, and sees every job's events;
//   - a rule belongs to whoever saved it last: its webhook's secret references resolve for that
//     owner only, so an editor cannot point someone else's secret headers at a URL of their own.
// What is checked at save: the webhook URL against the egress policy (as job URLs are), every secret
// reference against what the owner may use, every template placeholder, and that e-mail is
// configured at all.
import { forbidden, KairosError, notFound, validationError, type ErrorDetail } from '../errors.ts';
import type { Principal } from '../access/policy.ts';
import type { JobView } from '../jobs/service.ts';
import { findSecretRefs } from '../secrets/refs.ts';
import type { SecretSource } from '../secrets/access.ts';
import type { AlertDelivery, AlertRule, AlertRuleInput } from './model.ts';
import { deliveryOf, ruleOf, type AlertStore, type RuleRow, type RuleWrite } from './store.ts';
import { unknownPlaceholders } from './template.ts';

/** Opens a job for a principal with a permission, throwing not_found / forbidden as the policy says (core/sharing/access.ts JobAccess). */
export interface JobOpener {
  open(id: string, actor: Principal, need?: 'read' | 'edit'): Promise<{ view: JobView }>;
}

/** What AlertRules needs. */
export interface AlertRulesDeps {
  store: AlertStore;
  jobs: JobOpener;
  secrets: SecretSource;
  /** The egress policy's save-time check of a URL (core/net/egress.ts checkUrl): a reason when refused. */
  checkUrl(url: string): string | undefined;
  /** Whether KAIROS_SMTP_URL is set. */
  emailConfigured: boolean;
}

/** GET /v1/alerts/deliveries, parsed. */
export interface DeliveryQuery {
  ruleId?: string;
  jobId?: string;
  status?: 'pending' | 'sent' | 'failed';
  limit: number;
  cursor?: string;
}

const encodeCursor = (d: { createdAt: string; id: string }) => Buffer.from(JSON.stringify([d.createdAt, d.id])).toString('base64url');
function decodeCursor(c: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(c, 'base64url').toString()) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    /* below */
  }
  throw validationError('invalid query', [{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
}

/** Rules and deliveries as the API serves them, under the access policy (see the top of this file). */
export class AlertRules {
  constructor(private readonly deps: AlertRulesDeps) {}

  private get store(): AlertStore {
    return this.deps.store;
  }

  /** The incarnation of the job a rule is for, after checking the actor may edit it. */
  private async target(input: AlertRuleInput, actor: Principal): Promise<{ jobId: string | null; incarnation: string }> {
    if (input.jobId === undefined) {
      if (actor.role !== 'admin') throw forbidden('only an admin may create a global rule (one without jobId)');
      return { jobId: null, incarnation: '' };
    }
    const { view } = await this.deps.jobs.open(input.jobId, actor, 'edit');
    return { jobId: view.job.id, incarnation: view.job.incarnation ?? '' };
  }

  /** The save-time checks of a channel (see the top of this file), as field-named details. */
  private async checkChannel(input: AlertRuleInput, ownerId: string): Promise<void> {
    const ch = input.channel;
    const details: ErrorDetail[] = [];
    if (ch.type === 'webhook') {
      const refused = this.deps.checkUrl(ch.url);
      if (refused) details.push({ path: 'channel.url', message: refused });
      const refs = findSecretRefs(ch.headers);
      if (refs.length > 0) {
        const lookup = await this.deps.secrets.lookup({ ownerId, type: 'alert', data: ch.headers, ownerNoun: 'you' });
        for (const r of refs) {
          const res = lookup(r.name);
          if (!res.ok) details.push({ path: `channel.headers.${r.path}`, message: res.message });
        }
      }
      if (ch.body !== undefined) {
        if (ch.preset === 'slack') details.push({ path: 'channel.body', message: 'the slack preset makes its own body; leave body out or use preset "json"' });
        details.push(...unknownPlaceholders(ch.body, 'channel.body'));
      }
    } else {
      if (!this.deps.emailConfigured) details.push({ path: 'channel', message: 'e-mail alerts need an SMTP server: the operator has not set KAIROS_SMTP_URL' });
      if (ch.subject !== undefined) details.push(...unknownPlaceholders(ch.subject, 'channel.subject'));
    }
    if (details.length > 0) throw validationError('invalid alert rule', details);
  }

  /** What saving `input` writes, once the save-time checks pass: the actor becomes the rule's owner. */
  private async writeOf(input: AlertRuleInput, actor: Principal): Promise<RuleWrite> {
    const t = await this.target(input, actor);
    await this.checkChannel(input, actor.id);
    return { ownerId: actor.id, ...t, name: input.name, enabled: input.enabled, when: input.when, channel: input.channel };
  }

  async create(input: AlertRuleInput, actor: Principal): Promise<AlertRule> {
    return ruleOf(await this.store.createRule(await this.writeOf(input, actor)));
  }

  /** A rule the actor may manage; any other (another's, or none) is the same not_found. */
  private async manageable(id: string, actor: Principal): Promise<RuleRow> {
    const row = await this.store.rule(id);
    if (!row || !(await this.mayManage(row, actor))) throw notFound('alert rule', id);
    return row;
  }

  private async mayManage(row: RuleRow, actor: Principal): Promise<boolean> {
    if (actor.role === 'admin') return true;
    if (row.job_id === null) return false;
    try {
      const { view } = await this.deps.jobs.open(row.job_id, actor, 'edit');
      return (view.job.incarnation ?? '') === row.incarnation;
    } catch (err) {
      if (err instanceof KairosError && (err.kind === 'not_found' || err.kind === 'forbidden')) return false;
      throw err;
    }
  }

  async get(id: string, actor: Principal): Promise<AlertRule> {
    return ruleOf(await this.manageable(id, actor));
  }

  async replace(id: string, input: AlertRuleInput, actor: Principal): Promise<AlertRule> {
    await this.manageable(id, actor);
    const row = await this.store.replaceRule(id, await this.writeOf(input, actor));
    if (!row) throw notFound('alert rule', id);
    return ruleOf(row);
  }

  async delete(id: string, actor: Principal): Promise<void> {
    await this.manageable(id, actor);
    await this.store.deleteRule(id);
  }

  /** The rules the actor may manage (admins: all), optionally those on one job. */
  async list(actor: Principal, jobId?: string): Promise<AlertRule[]> {
    return (await this.manageableRows(actor, jobId)).map(ruleOf);
  }

  private async manageableRows(actor: Principal, jobId?: string): Promise<RuleRow[]> {
    const rows = await this.store.rules(jobId !== undefined ? { jobId } : {});
    if (actor.role === 'admin') return rows;
    const allowed = new Map<string, boolean>();
    const out: RuleRow[] = [];
    for (const r of rows) {
      if (r.job_id === null) continue;
      const key = `${r.job_id}\u0000${r.incarnation}`;
      if (!allowed.has(key)) allowed.set(key, await this.mayManage(r, actor));
      if (allowed.get(key)) out.push(r);
    }
    return out;
  }

  /** Deliveries of the rules the actor may manage, newest first (cursor paging). */
  async deliveries(actor: Principal, q: DeliveryQuery): Promise<{ items: AlertDelivery[]; nextCursor: string | null }> {
    const ruleIds = actor.role === 'admin' ? undefined : (await this.manageableRows(actor)).map((r) => r.id);
    const rows = await this.store.deliveries({
      ...(ruleIds ? { ruleIds } : {}),
      ...(q.ruleId !== undefined ? { ruleId: q.ruleId } : {}),
      ...(q.jobId !== undefined ? { jobId: q.jobId } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      limit: q.limit + 1,
      ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
    });
    const items = rows.slice(0, q.limit).map(deliveryOf);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
  }
}

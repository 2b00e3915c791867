// Teams: principals that jobs and secrets are shared with; their members act through them. Admins
// manage them. Anyone else sees only the teams it is a member of: another team answers 404, as a
// missing one does, so a non-admin cannot learn which teams exist.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { KairosError } from '../../core/errors.ts';
import { TEAM_NAME_PATTERN, TEAM_NAME_RULE } from '../../core/auth/store.ts';
import type { AuthStore, Team } from '../../core/auth/store.ts';
import { principalOf, requireAdmin } from '../auth.ts';
import { parseBody } from './users.ts';
import { registerOperations } from '../openapi.ts';

/** `POST /v1/teams`: a name free among users and teams. */
export const CreateTeamBody = z.object({ name: z.string().regex(TEAM_NAME_PATTERN, TEAM_NAME_RULE) }).strict();

const TeamSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    members: z.array(z.object({ id: z.string(), username: z.string(), addedAt: z.string() })),
  })
  .meta({ id: 'Team' });

registerOperations('native', [
  { operationId: 'listTeams', method: 'get', path: '/v1/teams', summary: 'List teams (admins: all; others: their own)', tag: 'auth', response: z.object({ items: z.array(TeamSchema) }) },
  { operationId: 'createTeam', method: 'post', path: '/v1/teams', summary: 'Create a team', tag: 'auth', admin: true, request: CreateTeamBody, response: TeamSchema, status: 201, errors: [409] },
  { operationId: 'getTeam', method: 'get', path: '/v1/teams/{id}', summary: 'Get a team (admins, or its members)', tag: 'auth', response: TeamSchema },
  { operationId: 'deleteTeam', method: 'delete', path: '/v1/teams/{id}', summary: 'Delete a team', tag: 'auth', admin: true, status: 204 },
  { operationId: 'addTeamMember', method: 'put', path: '/v1/teams/{id}/members/{userId}', summary: 'Add a user to a team', tag: 'auth', admin: true, response: TeamSchema },
  { operationId: 'removeTeamMember', method: 'delete', path: '/v1/teams/{id}/members/{userId}', summary: 'Remove a user from a team', tag: 'auth', admin: true, status: 204 },
]);

/** The team if the caller may see it (an admin, or a member); otherwise not_found. */
async function visibleTeam(store: AuthStore, ctx: Context, id: string): Promise<Team> {
  const p = principalOf(ctx);
  const team = await store.getTeam(id);
  if (p.role !== 'admin' && !team.members.some((m) => m.id === p.id)) throw new KairosError('not_found', `team '${id}' not found`);
  return team;
}

/** Routes under /v1 (no prefix on the router); mount behind `authenticate(store)`. */
export function teamRoutes(store: AuthStore): Router {
  const router = new Router();

  router.get('/v1/teams', async (ctx) => {
    const p = principalOf(ctx);
    ctx.body = { items: await store.listTeams(p.role === 'admin' ? {} : { memberId: p.id }) };
  });

  router.post('/v1/teams', async (ctx) => {
    requireAdmin(ctx);
    const body = parseBody(CreateTeamBody, ctx.request.body);
    const team = await store.createTeam(body);
    ctx.status = 201;
    ctx.set('Location', `/v1/teams/${encodeURIComponent(team.id)}`);
    ctx.body = team;
  });

  router.get('/v1/teams/:id', async (ctx) => {
    ctx.body = await visibleTeam(store, ctx, ctx.params.id ?? '');
  });

  // A member learns the team exists (403); anyone else gets the answer for a missing team (404).
  router.delete('/v1/teams/:id', async (ctx) => {
    await visibleTeam(store, ctx, ctx.params.id ?? '');
    requireAdmin(ctx);
    await store.deleteTeam(ctx.params.id ?? '');
    ctx.status = 204;
  });

  router.put('/v1/teams/:id/members/:userId', async (ctx) => {
    await visibleTeam(store, ctx, ctx.params.id ?? '');
    requireAdmin(ctx);
    ctx.body = await store.addMember(ctx.params.id ?? '', ctx.params.userId ?? '');
  });

  router.delete('/v1/teams/:id/members/:userId', async (ctx) => {
    await visibleTeam(store, ctx, ctx.params.id ?? '');
    requireAdmin(ctx);
    await store.removeMember(ctx.params.id ?? '', ctx.params.userId ?? '');
    ctx.status = 204;
  });

  return router;
}

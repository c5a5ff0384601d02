/** `/api/v3/flows/executor/{flow_slug}/`: authentik's challenge protocol (GET shows, POST answers). */
import { defineRoute, type HandlerInput, type RouteSpec } from '../../api/routes.js';
import { ref } from '../../api/schemas.js';
import { lastValue } from '../../api/filters.js';
import { SessionConflict, type SessionStore } from '../../core/sessions/session.store.js';
import type { FlowExecutor } from './executor.service.js';
import {
  ChallengeTypes,
  ExecutorParams,
  ExecutorQuery,
  FlowChallengeResponseRequest,
} from './challenge.schema.js';

const url = '/flows/executor/:flow_slug/';

export function executorRoutes(executor: FlowExecutor, sessions: SessionStore): RouteSpec[] {
  // The session is read before the stage runs and written after it, as Django's
  // SessionMiddleware does; a 404 for an unknown flow leaves no session behind. Of concurrent
  // requests of one session only the first to write it keeps its work (SessionConflict); the
  // others answer with what the stored plan shows now and change nothing.
  const run =
    (method: 'GET' | 'POST') =>
    async ({ ctx, params, query, body, request, reply }: HandlerInput<unknown>) => {
      const session = await sessions.load(request);
      const audit = executor.auditBatch();
      try {
        const challenge = await executor.execute({
          slug: params.flow_slug,
          query: lastValue(query, 'query'),
          method,
          body,
          session,
          ctx,
          audit,
        });
        if (await sessions.commit(request, reply, session, audit.drain())) return challenge;
      } catch (error) {
        if (!(error instanceof SessionConflict)) throw error;
      }
      return executor.raceLost(params.flow_slug, await sessions.reload(session), ctx);
    };
  return [
    defineRoute({
      method: 'GET',
      url,
      operationId: 'flows_executor_get',
      description: 'Get the next pending challenge from the currently active flow.',
      tags: ['flows'],
      auth: 'optional',
      params: ExecutorParams,
      querystring: ExecutorQuery,
      success: { status: 200, schema: ref(ChallengeTypes) },
      handler: run('GET'),
    }),
    defineRoute({
      method: 'POST',
      url,
      operationId: 'flows_executor_solve',
      description: 'Solve the previously retrieved challenge and advanced to the next stage.',
      tags: ['flows'],
      auth: 'optional',
      params: ExecutorParams,
      querystring: ExecutorQuery,
      body: ref(FlowChallengeResponseRequest),
      bodyRequired: false,
      success: { status: 200, schema: ref(ChallengeTypes) },
      // A step writes only its session (and, for a user write, rows no cache holds): emptying
      // the flow cache at every step would make every flow re-read its stages.
      cacheNeutral: true,
      handler: run('POST'),
    }),
  ];
}

export const executorViews = {
  [url]: { name: 'Flow Executor', description: 'Flow executor view' },
};

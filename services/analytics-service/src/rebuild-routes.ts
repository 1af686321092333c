import { type HttpApp, requireAdminToken } from '@orderflow/platform';
import Type from 'typebox';
import type { RebuildAnalytics } from './analytics-rebuild.ts';

export interface RebuildRoutesOptions {
  readonly rebuild: RebuildAnalytics;
  readonly adminToken: string | undefined;
}

const RebuildResponse = Type.Object({
  group: Type.String({ description: 'The consumer group that was rewound' }),
  rewound: Type.Array(
    Type.Object({
      topic: Type.String(),
      partition: Type.Integer({ minimum: 0 }),
      offset: Type.Integer({ minimum: 0, description: 'The log start offset the group resumes from' }),
    }),
  ),
});

/**
 * POST /admin/rebuild: clears the statistics and recounts them from the retained events. It answers once the
 * consumer is counting again; the recount itself goes on in the background (watch the group's lag, as
 * `orderflow rebuild analytics-service` does).
 */
export function registerRebuildRoutes(app: HttpApp, options: RebuildRoutesOptions): void {
  app.post(
    '/admin/rebuild',
    {
      onRequest: requireAdminToken(options.adminToken, 'analytics-admin'),
      schema: { response: { 200: RebuildResponse } },
    },
    async () => {
      const { group, rewound } = await options.rebuild();
      return { group, rewound: [...rewound] };
    },
  );
}

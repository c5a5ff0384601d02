/**
 * The install's identity (authentik's `install_id`, which user `uid`s are derived from). It is
 * stored in the database, so buildApp fills it in once the bootstrap has run; routes are
 * registered meanwhile, and no request is answered before.
 */
export interface Install {
  id: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Filled in by the bootstrap before the app answers a request (see buildApp). */
    install: Install;
    installId: string;
  }
}

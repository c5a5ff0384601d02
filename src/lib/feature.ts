/**
 * A feature: what one folder of Tessera adds to the app. Each feature folder exports one, and
 * `buildApp` (src/app.ts) loads the list it keeps, in two passes: first every `provide`, which
 * decorates the app with the services the feature shares (`app.permissions`, `app.events`,
 * `app.stageRegistry`...), then every `register`, which adds the feature's routes, stage handler,
 * periodic tasks and schemas. A feature may use in `register` whatever any feature provides, so
 * two features that use each other's services (the audit log API checks permissions; role
 * changes write audit events) need no particular order.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export interface Feature {
  /** The folder, for error messages and the docs. */
  name: string;
  /** Decorates the app with the services this feature shares with the others. */
  provide?(app: FastifyInstance): void;
  /** Registers routes, stage handlers, periodic tasks and schemas. */
  register(app: FastifyInstance): Promise<void> | void;
  /** Work run once at start, after the bootstrap and before the app answers (start-up blueprints). */
  start?(app: FastifyInstance): Promise<void>;
}

/** Work that runs periodically in every instance (authentik's scheduled tasks). */
export interface PeriodicTask {
  name: string;
  intervalSeconds: number;
  run: () => Promise<void>;
}

/** The periodic tasks features add (`app.tasks.add`); buildApp schedules them. */
export class PeriodicTasks {
  private readonly tasks = new Map<string, PeriodicTask>();
  private timersRunning = false;

  /**
   * True while the tasks run on their timers: background work that is not periodic (the
   * outbox's wake-up on a notification) runs only then, so an app built with
   * `schedule: false` (tests) does nothing behind its caller's back.
   */
  get scheduled(): boolean {
    return this.timersRunning;
  }

  add(task: PeriodicTask): void {
    if (this.tasks.has(task.name)) throw new Error(`task ${task.name} is added twice`);
    this.tasks.set(task.name, task);
  }

  /** Runs a task now, by name (tests, operators). */
  async run(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (!task) throw new Error(`unknown task ${name}`);
    await task.run();
  }

  /**
   * Runs each task on its interval; a failing run is logged and retried on the next tick.
   * Returns the function that stops them.
   */
  schedule(log: FastifyBaseLogger): () => void {
    const timers = [...this.tasks.values()].map((task) => {
      const timer = setInterval(() => {
        task
          .run()
          .catch((error: unknown) => log.error({ err: error, task: task.name }, 'periodic task failed'));
      }, task.intervalSeconds * 1000);
      timer.unref();
      return timer;
    });
    this.timersRunning = true;
    return () => {
      this.timersRunning = false;
      timers.forEach((timer) => clearInterval(timer));
    };
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    tasks: PeriodicTasks;
  }
}

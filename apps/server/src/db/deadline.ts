// The request deadline: PROMPTREG_DB_TIMEOUT_MS bounds the database work of a whole request, not each
// operation of it.
//
// Why: with the embedded database frozen (SIGSTOP), a version listing answered 503 only after ~19 s with a
// 5 s timeout: each of its operations waited out its own timeout (and the socket timeout, 30 s, and a
// retry). Each request entry point runs its handler in `withRequestDeadline`; every collection method
// called inside then gets an AbortSignal that fires at the deadline (the driver aborts the operation
// wherever it is: connection checkout, the round trip, a retry; writes too, though its typings declare
// `signal` for reads only; driver 7 ignores `timeoutMS`, whose deprecation warning says it "has no effect"), and one started past the deadline fails at once. All of
// them become 503 (errors.ts). Operations outside any request (the deployment feed, lock releases,
// start-up) get `defaultTimeoutMs` unless they bring a signal of their own (an index backfill may read a
// whole collection for minutes): every operation is bounded by a signal, so the client's socket timeout
// can stay long.
// Work a request starts that must outlive it (releasing a lock, an index backfill) runs in
// `outsideRequestDeadline`.
import { AsyncLocalStorage } from "node:async_hooks";
import { setMaxListeners } from "node:events";
import type { Collection, Db, Document } from "mongodb";

interface RequestDeadline {
  /** Epoch ms past which no database operation of the request may run. */
  at: number;
  /** Fires at `signalAt`; made by the request's first database operation (most requests send none). */
  signal?: AbortSignal;
  signalAt?: number;
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/**
 * Runs `handler` (a request's work) with a database deadline `timeoutMs` from now; inside a request that
 * has one already (an entry point nested in another, e.g. a route served by the Express app), that one.
 */
export function withRequestDeadline<T>(timeoutMs: number, handler: () => T): T {
  if (storage.getStore() !== undefined) return handler();
  return storage.run({ at: Date.now() + timeoutMs }, handler);
}

/**
 * Runs `handler` with a deadline of its own, `timeoutMs` from now, even inside a request that has one:
 * each call of a tRPC batch (one HTTP request, many calls) is a request of its own.
 */
export function withOwnDeadline<T>(timeoutMs: number, handler: () => T): T {
  return storage.run({ at: Date.now() + timeoutMs }, handler);
}

/**
 * Moves the current request's deadline later by `ms`: time spent waiting behind other writers of the same
 * document (a local queue, a lock held by another replica) is contention, bounded on its own (409), not
 * time the database took.
 */
export function notCountingWaited(ms: number): void {
  const deadline = storage.getStore();
  if (deadline && ms > 0) deadline.at += ms;
}

/** Runs `task` without the current request's deadline (work that must finish whatever the request does). */
export function outsideRequestDeadline<T>(task: () => T): T {
  return storage.exit(task);
}

/** Milliseconds left to the current request's deadline; undefined outside a request. */
export function remainingMs(): number | undefined {
  const deadline = storage.getStore();
  return deadline === undefined ? undefined : deadline.at - Date.now();
}

/** The signal that aborts the current request's database operations at its deadline. */
function deadlineSignal(deadline: RequestDeadline, remaining: number): AbortSignal {
  if (deadline.signal === undefined || deadline.signalAt !== deadline.at) {
    deadline.signal = AbortSignal.timeout(Math.max(1, Math.ceil(remaining)));
    // Every operation of the request listens to it while it runs (a listing reads up to 16 chunks at once):
    // more than Node's default of 10 is expected, and they end with the request.
    setMaxListeners(0, deadline.signal);
    deadline.signalAt = deadline.at;
  }
  return deadline.signal;
}

/**
 * Awaits `work` (shared work not bound to this request, e.g. a backfill), giving up at the request's
 * deadline with RequestDeadlineError; the work itself goes on.
 */
export async function untilDeadline<T>(work: Promise<T>): Promise<T> {
  const remaining = remainingMs();
  if (remaining === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RequestDeadlineError()), Math.max(0, remaining));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Awaits `work` (e.g. reading the request's body) without counting the time it takes against the deadline. */
export async function notCountingTowardsDeadline<T>(work: Promise<T>): Promise<T> {
  const deadline = storage.getStore();
  const started = Date.now();
  try {
    return await work;
  } finally {
    if (deadline) deadline.at += Date.now() - started;
  }
}

/** A database operation that would start past its request's deadline. */
export class RequestDeadlineError extends Error {
  override readonly name = "RequestDeadlineError";
  constructor() {
    super("the request's database deadline (PROMPTREG_DB_TIMEOUT_MS) passed");
  }
}

/** Collection methods and the position of their options argument. */
const OPTIONS_AT: Record<string, number> = {
  find: 1,
  findOne: 1,
  countDocuments: 1,
  estimatedDocumentCount: 0,
  distinct: 2,
  aggregate: 1,
  insertOne: 1,
  insertMany: 1,
  updateOne: 2,
  updateMany: 2,
  replaceOne: 2,
  deleteOne: 1,
  deleteMany: 1,
  findOneAndUpdate: 2,
  findOneAndReplace: 2,
  findOneAndDelete: 1,
  bulkWrite: 1,
};

function withSignal(args: unknown[], at: number, signal: AbortSignal): unknown[] {
  const copy = [...args];
  while (copy.length < at) copy.push(undefined);
  const options = (copy[at] ?? {}) as { signal?: AbortSignal };
  copy[at] = { ...options, signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal };
  return copy;
}

function deadlined<T extends Document>(collection: Collection<T>, defaultTimeoutMs: number): Collection<T> {
  return new Proxy(collection, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property !== "string" || !(property in OPTIONS_AT)) return method.bind(target);
      return (...args: unknown[]) => {
        const deadline = storage.getStore();
        if (deadline === undefined) {
          const options = args[OPTIONS_AT[property]!] as { signal?: AbortSignal } | undefined;
          return options?.signal ? method.apply(target, args) : method.apply(target, withSignal(args, OPTIONS_AT[property]!, AbortSignal.timeout(defaultTimeoutMs)));
        }
        const remaining = deadline.at - Date.now();
        // Cursors (find, aggregate) are made synchronously; the repositories call them in async functions,
        // so throwing here rejects the caller's promise like any failed operation.
        if (remaining <= 0) {
          if (property === "find" || property === "aggregate") throw new RequestDeadlineError();
          return Promise.reject(new RequestDeadlineError());
        }
        return method.apply(target, withSignal(args, OPTIONS_AT[property]!, deadlineSignal(deadline, remaining)));
      };
    },
  });
}

/**
 * `db` whose collections honour the request deadline, and bound operations outside requests by
 * `defaultTimeoutMs` (see the top of this file).
 */
export function withDeadlines(db: Db, defaultTimeoutMs: number): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === "collection") {
        return (name: string, options?: Parameters<Db["collection"]>[1]) => deadlined(target.collection(name, options), defaultTimeoutMs);
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

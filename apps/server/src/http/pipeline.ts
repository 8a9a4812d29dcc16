// The request pipeline the three HTTP entry points share: Express (REST routes, tRPC, the deployment
// stream), the hot REST routes (rest/hot-routes.ts) and the gateway (gateway/chat-completions.ts) call
// these same functions, so a client is identified, admitted, rate-limited and its body read the same way
// whichever path answers it. The entry points differ only in how they format an answer (the REST
// envelope, tRPC's error shape, OpenAI's error shape), each from the same AppError (errors.ts).
//
// Edit here to change who a client is, how keys are throttled and limited, how bodies are read, or how
// long a request's database work may take.
import type { IncomingMessage } from "node:http";
import { jsonDepth, MAX_BODY_DEPTH } from "@promptreg/contracts";
import { notCountingTowardsDeadline, withRequestDeadline } from "../db/index.js";
import { AppError } from "../errors.js";
import type { RequestScope } from "../services/index.js";
import { bodyErrors, parseJsonBody, readBody } from "./body.js";
import { RateLimiter, type RateDecision } from "./rate-limit.js";

/**
 * Response headers a browser script of an allowed origin may read (CORS `Access-Control-Expose-Headers`):
 * the same list for the Express app and the routes that run outside it.
 */
export const EXPOSED_HEADERS: readonly string[] = [
  "x-request-id",
  "x-prompt-id",
  "x-prompt-version-id",
  "x-prompt-version",
  "x-prompt-rollout",
  "x-prompt-provider",
  "x-prompt-model",
  "retry-after",
  "date",
];

export interface PipelineOptions {
  bodyLimitBytes: number;
  /** All the database operations of one request share this deadline (PROMPTREG_DB_TIMEOUT_MS, db/deadline.ts). */
  dbTimeoutMs: number;
  /** Requests per minute per API key (and per client address for calls without one); 0: no limit. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per client address before it is refused (429) unheard; 0: no limit. */
  authFailuresPerMinute: number;
  /** Behind a proxy, the client is the first address of `X-Forwarded-For` (as Express's `trust proxy`). */
  trustProxy: boolean;
}

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<RequestScope>;
  /** A key's scope known without a database read, if any. */
  knownScope(authorization: string | undefined): RequestScope | undefined;
}

/** A parsed JSON request body with the bytes it was read from (the gateway forwards those as they are). */
export interface JsonRequestBody {
  raw: Buffer;
  body: unknown;
}

export function createRequestPipeline(auth: Authenticator, options: PipelineOptions) {
  const perKey = new RateLimiter(options.rateLimitPerMinute);
  const perAddress = new RateLimiter(options.rateLimitPerMinute);
  const failedAuthentications = new RateLimiter(options.authFailuresPerMinute);

  const refuse = (decision: RateDecision, message: (seconds: number) => string): void => {
    if (!decision.allowed) throwRefusal(decision, message);
  };

  /** The client's address: the socket's peer, or the first `X-Forwarded-For` entry behind a trusted proxy. */
  function clientAddress(req: IncomingMessage): string {
    if (options.trustProxy) {
      const forwarded = req.headers["x-forwarded-for"];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
      // An address is at most 45 characters (IPv6 with IPv4 tail): anything longer is not one, and must not
      // become a bucket of its own.
      if (first && first.length <= 45) return first;
    }
    return req.socket.remoteAddress ?? "unknown";
  }

  return {
    clientAddress,

    /**
     * Runs a request's handling (each entry point calls this where a request starts) with its database
     * deadline: every database operation inside is aborted when PROMPTREG_DB_TIMEOUT_MS has passed since,
     * and the request answers 503 (db/deadline.ts). Reading the body does not count (readJson).
     */
    run<T>(handler: () => T): T {
      return withRequestDeadline(options.dbTimeoutMs, handler);
    },

    /**
     * Authenticates the request's `Authorization: Bearer <key>` and counts it against the key's allowance.
     * A client address that keeps sending wrong keys is refused (429) before its next guess costs a hash or
     * a database read; the per-key allowance is keyed on the key's id, so `bearer`/`Bearer` or extra spaces
     * do not make a second bucket.
     */
    async admit(req: IncomingMessage): Promise<RequestScope> {
      const address = clientAddress(req);
      let scope: RequestScope;
      const throttled = failedAuthentications.peek(address);
      if (!throttled.allowed) {
        // Only keys this replica already knows get through; guesses are refused without a database read.
        scope = auth.knownScope(req.headers.authorization) ?? throwRefusal(throttled, (s) => `too many failed authentications from this address; retry in ${s} s`);
      } else {
        try {
          scope = await auth.authenticate(req.headers.authorization);
        } catch (error) {
          if (error instanceof AppError && error.code === "UNAUTHORIZED") failedAuthentications.take(address);
          throw error;
        }
      }
      refuse(perKey.take(`key:${scope.keyId ?? "bootstrap"}`), (s) => rateLimitMessage(options.rateLimitPerMinute, s));
      return scope;
    },

    /** Counts a request that needs no key (a signed body URL) against its client address's allowance. */
    admitAnonymous(req: IncomingMessage): void {
      refuse(perAddress.take(clientAddress(req)), (s) => rateLimitMessage(options.rateLimitPerMinute, s));
    },

    /**
     * The request's JSON body, as express.json reads it in strict mode: decompressed per
     * `content-encoding`, at most the body limit (after decompression), UTF-8, an object or an array (an
     * empty body is `{}`), and nested at most MAX_BODY_DEPTH levels (deeper input would overflow the
     * stacks that walk it: validation, template analysis, compilation).
     */
    async readJson(req: IncomingMessage): Promise<JsonRequestBody> {
      // A slow upload is the client's time, not the database's.
      const raw = await notCountingTowardsDeadline(readBody(req, options.bodyLimitBytes));
      if (raw.length === 0) return { raw, body: {} };
      const body = parseJsonBody(raw);
      if (typeof body !== "object" || body === null) throw bodyErrors.invalidJson();
      if (jsonDepth(body) > MAX_BODY_DEPTH) throw new AppError("BAD_REQUEST", `request body nests deeper than ${MAX_BODY_DEPTH} levels`);
      return { raw, body };
    },

    /** For /metrics: how many callers each limiter tracks (bounded; see RateLimiter). */
    stats: () => ({ keys: perKey.size, addresses: perAddress.size, failedAuthentications: failedAuthentications.size }),
  };
}
export type RequestPipeline = ReturnType<typeof createRequestPipeline>;

function throwRefusal(decision: RateDecision & { allowed: false }, message: (seconds: number) => string): never {
  const seconds = decision.retryAfterSeconds;
  throw new AppError("TOO_MANY_REQUESTS", message(seconds), undefined, seconds);
}

export const rateLimitMessage = (perMinute: number, retryAfterSeconds: number) =>
  `rate limit exceeded: ${perMinute} requests per minute per API key; retry in ${retryAfterSeconds} s`;

/** What `Content-Type` says of a body: JSON we read (`application/json` or `application/*+json`, UTF-8 or
 * no charset), JSON in a charset we refuse, or something else. */
export function bodyKind(req: IncomingMessage): "json" | "unsupported-charset" | "other" {
  const type = req.headers["content-type"];
  if (type === undefined) return "other";
  const [mediaType = "", ...parameters] = type.toLowerCase().split(";").map((part) => part.trim());
  if (mediaType !== "application/json" && !/^application\/[^/]+\+json$/.test(mediaType)) return "other";
  const utf8 = parameters.every((p) => !p.startsWith("charset=") || p === "charset=utf-8" || p === 'charset="utf-8"');
  return utf8 ? "json" : "unsupported-charset";
}

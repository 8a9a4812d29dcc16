/**
 * The server's per-request tRPC context (its services, the caller's key) as the published declarations
 * carry it. The router's type names its context, but a client never reads it: tRPC's client types use
 * the procedures, the error shape and the transformer only. The server's own declaration of the context
 * reaches every service, repository and driver type of the server (MongoDB, Express, pino…), none of
 * which a client installs, so `rollup.config.js` puts this opaque type in its place.
 */
export type TrpcContext = object;

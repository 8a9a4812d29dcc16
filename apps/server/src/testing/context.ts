// What the global setup hands to every test file of a run (vitest's provide/inject), typed for inject().
declare module "vitest" {
  export interface ProvidedContext {
    /** The run's database server: the embedded FerretDB of this run, or PROMPTREG_TEST_MONGODB_URI. */
    mongoUri: string;
    /** Prefix of the database names this run's test servers create (the package's name, e.g. `client`). */
    testDbPrefix: string;
  }
}

export {};

export { defaultBinaryPath, ensureFerretdbBinary, repoRoot } from "./binary.js";
export { startEmbeddedDb, type EmbeddedDb, type EmbeddedDbOptions } from "./server.js";
export { superviseEmbeddedDb, type SupervisedDb, type SupervisorEvent, type SupervisorOptions, type SupervisorStatus } from "./supervisor.js";
export { startTestDatabase, type TestDatabase } from "./test-database.js";

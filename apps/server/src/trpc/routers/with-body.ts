import type { TPromptVersionWithBody } from "@promptreg/contracts";
import type { VersionAnswer } from "../../resolution/index.js";

/**
 * `ZPromptVersionWithBody`: a prompt fetch's metadata and body, as the typed API answers it (the REST
 * adapter's is `toRestVersionWithBody`). The output validator copies the answer, so the cached (frozen)
 * body is never handed out to be changed.
 */
export const withBody = (answer: VersionAnswer): TPromptVersionWithBody => ({ ...answer.version, body: answer.body });

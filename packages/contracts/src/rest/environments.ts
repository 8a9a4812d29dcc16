import { z } from "zod";
import { ZEnvironmentName, ZIdRef } from "../common.js";
import { ZSetEnvironmentProtectionInput } from "../environments.js";

/** `POST /v1/prompt-2025/query/environment-version` and `/v2/...` */
export const ZRestEnvironmentVersionRequest = z.object({ promptId: ZIdRef, environment: ZEnvironmentName });

/** `POST /v1/prompt-2025/update/environment` and `.../remove/environment` */
export const ZRestEnvironmentChangeRequest = z.object({
  promptId: ZIdRef,
  promptVersionId: ZIdRef,
  environment: ZEnvironmentName,
});

/** `POST /v1/prompt-2025/environments/protected` (admin keys): the same shape as the typed API's input. */
export const ZRestSetEnvironmentProtectionRequest = ZSetEnvironmentProtectionInput;

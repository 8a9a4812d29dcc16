import { z } from "zod";
import { ZIdRef } from "../common.js";

// REST path parameters, validated by the same id schemas as the tRPC inputs (an id of any form that is
// not the caller's answers 404; an over-long or empty one 400, as in a body).

/** `/v1/prompt-2025/id/{promptId}/…`, `DELETE /v1/prompt-2025/{promptId}` */
export const ZRestPromptIdParams = z.object({ promptId: ZIdRef });
/** `GET /v1/prompt-2025/{promptVersionId}/prompt-body`, the legacy subversion endpoint */
export const ZRestVersionIdParams = z.object({ promptVersionId: ZIdRef });
/** `DELETE /v1/prompt-2025/{promptId}/{promptVersionId}` */
export const ZRestPromptVersionParams = z.object({ promptId: ZIdRef, promptVersionId: ZIdRef });
/** `DELETE /v1/api-keys/{keyId}` */
export const ZRestKeyIdParams = z.object({ keyId: ZIdRef });

// GET /v1/deployments and its event stream: environment pointer changes, for caches that follow them
// (the client's prompt manager, other replicas' dashboards).
import * as contracts from "@promptreg/contracts";
import { z } from "zod";
import { errorRefs, SSE_CONTENT, successEnvelope, type OperationSpec } from "../operation.js";

export function deploymentOperations(): OperationSpec[] {
  return [
    {
      method: "get",
      path: "/v1/deployments",
      summary: "Environment pointer changes since a time (polling fallback of the stream)",
      tag: "Deployments",
      query: z.object({
        since: z.iso.datetime().optional().meta({ description: "ISO 8601 time; default one minute ago" }),
      }),
      responses: {
        "200": { description: "Changes, oldest first (at most 1000)", schema: successEnvelope(z.array(contracts.ZDeployment)) },
        ...errorRefs(["400", "401", "429", "500", "503"]),
      },
    },
    {
      method: "get",
      path: "/v1/deployments/stream",
      summary: "Server-sent events of the organization's environment pointer changes",
      description:
        "Sends `event: ready` first, then `event: deployment` for each environment pointer change (its SSE id is the deployment id: send it back as `Last-Event-ID` to resume without a gap; when the gap cannot be replayed, more than 1000 missed changes or an unknown id, it sends `event: resync` instead: drop what you cached) and `event: prompt` when a prompt or version is deleted, with a comment every 15 s to keep the connection open.",
      tag: "Deployments",
      headerParameters: [
        { name: "last-event-id", in: "header", required: false, description: "Resume after this deployment id", schema: { type: "string" } },
      ],
      responses: {
        "200": { description: "An endless event stream", content: SSE_CONTENT },
        ...errorRefs(["401", "429", "500", "503"]),
      },
    },
  ];
}

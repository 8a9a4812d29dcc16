// The service endpoints: health, readiness, metrics, this document and its interactive page. All public.
import { ZHealth } from "@promptreg/contracts";
import { z } from "zod";
import type { OperationSpec } from "../operation.js";

export function serviceOperations(): OperationSpec[] {
  return [
    {
      method: "get",
      path: "/healthz",
      summary: "Liveness: 503 only when restarting the process can help (the embedded database down too long or not restartable)",
      tag: "Service",
      public: true,
      responses: {
        "200": { description: "Serving (the body reports the database's state)", schema: ZHealth },
        "503": { description: "Needs replacing: `reason` says why", schema: ZHealth },
      },
    },
    {
      method: "get",
      path: "/readyz",
      summary: "Readiness: 200 when the database answers",
      tag: "Service",
      public: true,
      responses: {
        "200": { description: "Ready", schema: z.object({ status: z.literal("ready") }) },
        "503": { description: "Database unreachable", schema: z.object({ status: z.literal("unavailable"), error: z.string() }) },
      },
    },
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      description: "Open unless PROMPTREG_METRICS_TOKEN is set; then it needs `Authorization: Bearer <that token>` (not an API key).",
      tag: "Service",
      public: true,
      responses: {
        "200": { description: "Prometheus text exposition format", content: { "text/plain": { schema: { type: "string" } } } },
        "401": { $ref: "#/components/responses/Unauthorized" },
      },
    },
    {
      method: "get",
      path: "/openapi.json",
      summary: "This OpenAPI document",
      tag: "Service",
      public: true,
      responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } } },
    },
    {
      method: "get",
      path: "/docs",
      summary: "Interactive API documentation (Swagger UI)",
      tag: "Service",
      public: true,
      responses: { "200": { description: "An HTML page", content: { "text/html": { schema: { type: "string" } } } } },
    },
  ];
}

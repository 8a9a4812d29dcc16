// Type tests, checked by tsc through `vitest --typecheck` (nothing here runs). Each `@ts-expect-error` must
// stay an error: if one became valid, tsc reports "Unused '@ts-expect-error' directive" and the run fails.
import type {
  TApiKey,
  TCreatedOrganization,
  TCreatePromptOutput,
  TDeployment,
  TInputError,
  TListPromptsOutput,
  TPromptBody,
  TPromptVersion,
  TPromptVersionWithBody,
} from "@promptreg/contracts";
import type { TRestPrompt, TRestPromptVersion, TRestPromptVersionWithBody } from "@promptreg/contracts/rest";
import { describe, expectTypeOf, it } from "vitest";
import {
  appErrorOf,
  createPromptregClient,
  createRestClient,
  isPromptregError,
  PromptManager,
  type PromptBodyResult,
  type PromptSource,
  type RouterInputs,
  type RouterOutputs,
} from "../src/index.js";

const client = createPromptregClient({ url: "http://localhost", apiKey: "k" });
const rest = createRestClient({ url: "http://localhost", apiKey: "k" });
const prompts = new PromptManager({ url: "http://localhost", apiKey: "k" });
const body: TPromptBody = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("tRPC client", () => {
  it("outputs carry the contract types", () => {
    expectTypeOf(client.versions.byId.query).returns.resolves.toEqualTypeOf<TPromptVersion>();
    expectTypeOf(client.versions.list.query).returns.resolves.toEqualTypeOf<TPromptVersion[]>();
    expectTypeOf(client.prompts.create.mutate).returns.resolves.toEqualTypeOf<TCreatePromptOutput>();
    expectTypeOf(client.prompts.list.query).returns.resolves.toEqualTypeOf<TListPromptsOutput>();
    expectTypeOf(client.environments.history.query).returns.resolves.toEqualTypeOf<TDeployment[]>();
    expectTypeOf(client.apiKeys.list.query).returns.resolves.toEqualTypeOf<TApiKey[]>();
    expectTypeOf(client.organizations.create.mutate).returns.resolves.toEqualTypeOf<TCreatedOrganization>();
    expectTypeOf(client.environments.set.mutate).returns.resolves.toEqualTypeOf<null>();
    expectTypeOf<RouterOutputs["versions"]["byId"]>().toEqualTypeOf<TPromptVersion>();
    expectTypeOf<RouterInputs["versions"]["create"]["bump"]>().toEqualTypeOf<"minor" | "major" | undefined>();
  });

  it("bodies (loose objects) are the contract's type both ways", () => {
    // tRPC's JSON-serialised output type writes the body's `[k: string]: unknown` index signature differently
    // (not identical), but it is the same set of values: each is assignable to the other.
    type WithBody = RouterOutputs["versions"]["withBody"];
    expectTypeOf<WithBody>().toExtend<TPromptVersionWithBody>();
    expectTypeOf<TPromptVersionWithBody>().toExtend<WithBody>();
    expectTypeOf<RouterOutputs["versions"]["body"]>().toExtend<TPromptBody>();
    expectTypeOf<TPromptBody>().toExtend<RouterOutputs["versions"]["body"]>();
    expectTypeOf<WithBody["body"]["model"]>().toEqualTypeOf<string>();
  });

  it("wrong inputs do not compile", () => {
    // @ts-expect-error: `body` is required
    void client.prompts.create.mutate({ name: "x" });
    // @ts-expect-error: `name` must be a string
    void client.prompts.create.mutate({ name: 42, body });
    // @ts-expect-error: `bump` is "minor" | "major"
    void client.versions.create.mutate({ promptId: "p", baseVersionId: "v", body, bump: "patch" });
    // @ts-expect-error: versionId, not id
    void client.versions.byId.query({ id: "v" });
    // @ts-expect-error: a query is not a mutation
    void client.versions.byId.mutate({ versionId: "v" });
    // @ts-expect-error: no such procedure
    void client.prompts.destroy.mutate({ promptId: "p" });
    // @ts-expect-error: pageSize is a number
    void client.prompts.list.query({ pageSize: "10" });
    // @ts-expect-error: role is "admin" | "member"
    void client.apiKeys.create.mutate({ name: "ci", role: "owner" });
  });

  it("errors carry the server's shape", () => {
    const error: unknown = new Error("x");
    if (isPromptregError(error)) {
      expectTypeOf(error.data?.httpStatus).toEqualTypeOf<number | undefined>();
      expectTypeOf(error.data?.zodError).toExtend<{ formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null | undefined>();
      const code = error.data?.appError?.code;
      expectTypeOf(code).toEqualTypeOf<
        | "BAD_REQUEST"
        | "UNAUTHORIZED"
        | "FORBIDDEN"
        | "NOT_FOUND"
        | "CONFLICT"
        | "PAYLOAD_TOO_LARGE"
        | "UNPROCESSABLE"
        | "TOO_MANY_REQUESTS"
        | "UNAVAILABLE"
        | "INTERNAL"
        | undefined
      >();
    }
    expectTypeOf(appErrorOf).returns.toExtend<{ code: string; details: unknown } | null>();
  });
});

describe("REST client", () => {
  it("answers carry the contract types", () => {
    expectTypeOf(rest.queryVersions).returns.resolves.toEqualTypeOf<TRestPromptVersion[]>();
    expectTypeOf(rest.environmentVersionWithBody).returns.resolves.toEqualTypeOf<TRestPromptVersionWithBody>();
    expectTypeOf(rest.getPrompt).returns.resolves.toEqualTypeOf<TRestPrompt>();
    expectTypeOf(rest.promptBody).returns.resolves.toEqualTypeOf<TPromptBody>();
    expectTypeOf(rest.createPrompt).returns.resolves.toEqualTypeOf<{ id: string; versionId: string }>();
  });

  it("wrong requests do not compile", () => {
    // @ts-expect-error: Helicone's field is promptBody
    void rest.createPrompt({ name: "x", body });
    // @ts-expect-error: promptVersionId is required
    void rest.createVersion({ promptId: "p", promptBody: body });
    // @ts-expect-error: environment is required
    void rest.environmentVersion({ promptId: "p" });
  });
});

describe("PromptManager", () => {
  it("getPromptBody's result and parameters", () => {
    expectTypeOf(prompts.getPromptBody({ prompt_id: "p" })).resolves.toEqualTypeOf<PromptBodyResult<TPromptBody>>();
    expectTypeOf<PromptBodyResult["errors"]>().toEqualTypeOf<TInputError[]>();
    expectTypeOf<PromptBodyResult["source"]>().toEqualTypeOf<PromptSource>();
    expectTypeOf<PromptSource>().toEqualTypeOf<"network" | "cache" | "stale" | "last-known-good" | "fallback">();
    // The caller may name the SDK's request type for the body.
    expectTypeOf(prompts.getPromptBody<{ model: string; stream?: false }>({ prompt_id: "p" })).resolves.toHaveProperty("body").toEqualTypeOf<{
      model: string;
      stream?: false;
    }>();
    // @ts-expect-error: prompt_id is required
    void prompts.getPromptBody({ inputs: {} });
    // @ts-expect-error: prompt_id is a string
    void prompts.getPromptBody({ prompt_id: 1 });
    // @ts-expect-error: fallbacks are prompt bodies
    void new PromptManager({ url: "u", apiKey: "k", fallbacks: { abc123: { messages: [] } } });
  });
});

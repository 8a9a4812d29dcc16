/**
 * analyzeTemplate: what a version needs (variables, partials) and what is wrong with it (template errors),
 * computed when a version is created (the server answers 422 on errors) and before compiling.
 */
import type { TPromptPartialRef, TTemplateVariable } from "@promptreg/contracts";
import { scanValue, type TemplateError } from "./scan.js";

export type { TemplateError } from "./scan.js";

export interface TemplateAnalysis {
  /** Deduplicated by name, in order of first appearance. */
  variables: TTemplateVariable[];
  /** Deduplicated by promptId + messageIndex + environment (`{{hcp:x:0}}` is `{{hcp:x:0:production}}`). */
  partials: TPromptPartialRef[];
  errors: TemplateError[];
}

/**
 * Scans every string of `body` (message contents and text parts, tools and response_format keys included,
 * any other field) in one pass. Locations are JSON Pointers (RFC 6901); a placeholder in an object key is
 * located at that member (`/tools/0/function/parameters/properties/{{hc:field:string}}`). Errors: an unknown
 * `hc` type, a malformed `{{hc:…}}` or `{{hcp:…}}`, a variable declared with two types. Other `{{…}}` text is
 * literal. A variable written both as legacy `{{x}}` and typed takes the typed declaration's type.
 * Never throws on JSON input, however deep.
 */
export function analyzeTemplate(body: unknown): TemplateAnalysis {
  const scan = scanValue(body, { mode: "template", root: "body", locations: true });
  return {
    variables: scan.variables,
    partials: scan.partials,
    errors: scan.errors.map(({ message, location }) => ({ message, location })),
  };
}

import { z } from "zod";

/** Types a `{{hc:name:type}}` variable may declare. Legacy `{{name}}` variables are `string`. */
export const ZVariableType = z.enum(["string", "number", "boolean"]);
export type TVariableType = z.infer<typeof ZVariableType>;

/**
 * A variable a version needs, extracted when the version is created. `locations` are JSON Pointers
 * (RFC 6901) into the body, e.g. `/messages/0/content`, `/tools/1/function/parameters/properties/x`.
 */
export const ZTemplateVariable = z.object({
  name: z.string(),
  type: ZVariableType,
  syntax: z.enum(["typed", "legacy"]),
  locations: z.array(z.string()),
});
export type TTemplateVariable = z.infer<typeof ZTemplateVariable>;

/** A prompt partial `{{hcp:<promptId>:<messageIndex>[:<environment>]}}` used by a version. */
export const ZPromptPartialRef = z.object({
  promptId: z.string(),
  messageIndex: z.number().int().min(0),
  environment: z.string(),
  locations: z.array(z.string()),
});
export type TPromptPartialRef = z.infer<typeof ZPromptPartialRef>;

/** One problem with the inputs given for a template: missing, wrongly typed, or (as a warning) unknown. */
export const ZInputError = z.object({
  variable: z.string(),
  expected: z.string(),
  value: z.unknown(),
  message: z.string(),
});
export type TInputError = z.infer<typeof ZInputError>;

/** Inputs for a template: variable name to value. */
export const ZTemplateInputs = z.record(z.string(), z.unknown());
export type TTemplateInputs = z.infer<typeof ZTemplateInputs>;

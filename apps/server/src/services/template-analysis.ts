import type { TPromptBody, TPromptPartialRef, TTemplateVariable } from "@promptreg/contracts";
import { analyzeTemplate } from "@promptreg/template";
import { AppError } from "../errors.js";

export interface BodyAnalysis {
  variables: TTemplateVariable[];
  partials: TPromptPartialRef[];
}

/**
 * More distinct variables than any real prompt has; past it a template is refused. Every gateway call
 * validates each one, so the bound also bounds that work.
 */
export const MAX_TEMPLATE_VARIABLES = 1000;

/** Variables and partials of a body about to be stored; a template that cannot compile is refused (422). */
export function analyzeBodyForStorage(body: TPromptBody): BodyAnalysis {
  const analysis = analyzeTemplate(body);
  if (analysis.variables.length > MAX_TEMPLATE_VARIABLES) {
    throw new AppError(
      "UNPROCESSABLE",
      `invalid prompt template: ${analysis.variables.length} variables, more than the ${MAX_TEMPLATE_VARIABLES} allowed`,
    );
  }
  if (analysis.errors.length > 0) {
    const list = analysis.errors.map((e) => `${e.location}: ${e.message}`).join("; ");
    throw new AppError("UNPROCESSABLE", `invalid prompt template: ${list}`, analysis.errors);
  }
  return { variables: analysis.variables, partials: analysis.partials };
}

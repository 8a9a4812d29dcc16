import type { TPromptBody, TPromptPartialRef, TTemplateVariable } from "@promptreg/contracts";
import { analyzeTemplate } from "@promptreg/template";
import { AppError } from "../errors.js";

export interface BodyAnalysis {
  variables: TTemplateVariable[];
  partials: TPromptPartialRef[];
}

/** Variables and partials of a body about to be stored; a template that cannot compile is refused (422). */
export function analyzeBodyForStorage(body: TPromptBody): BodyAnalysis {
  const analysis = analyzeTemplate(body);
  if (analysis.errors.length > 0) {
    const list = analysis.errors.map((e) => `${e.location}: ${e.message}`).join("; ");
    throw new AppError("UNPROCESSABLE", `invalid prompt template: ${list}`, analysis.errors);
  }
  return { variables: analysis.variables, partials: analysis.partials };
}

/**
 * @promptreg/template: pure parse, validate and compile of Helicone-syntax prompt templates, shared by the
 * gateway and the client prompt manager so both produce identical bodies.
 *
 * Typical use: `expandPartials` (with a loader) -> `compilePrompt`, or, on a hot path, `prepareTemplate`
 * once per version -> `compilePrepared` per request.
 */
export { analyzeTemplate, type TemplateAnalysis, type TemplateError } from "./analyze.js";
export { validateInputs } from "./validate.js";
export { substituteVariables } from "./substitute.js";
export {
  DEFAULT_MAX_EXPANDED_LENGTH,
  DEFAULT_MAX_PARTIAL_DEPTH,
  expandPartials,
  expandPartialsDetailed,
  messageText,
  PartialCycleError,
  PartialDepthError,
  PartialError,
  PartialResolutionError,
  type ExpandPartialsOptions,
  type PartialLoader,
  type PartialRef,
  type ResolvedPartial,
} from "./partials.js";
export { mergeRequest, PROMPT_PARAMETERS } from "./merge.js";
export {
  compilePrepared,
  compilePrompt,
  prepareTemplate,
  type CompileOptions,
  type CompileResult,
  type PreparedTemplate,
} from "./compile.js";
export { CompiledSizeError, DEFAULT_MAX_COMPILED_BYTES } from "./size.js";
export { DEFAULT_ENVIRONMENT, VARIABLE_TYPES } from "./syntax.js";

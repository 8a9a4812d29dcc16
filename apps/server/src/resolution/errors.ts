import { AppError } from "../errors.js";

/**
 * The answers of the read path when a selection resolves to nothing: one wording for REST, tRPC, the
 * gateway and the signed body URL. Another organization's id is as absent as a missing one.
 */
export const resolutionErrors = {
  promptNotFound: (promptId: string) => new AppError("NOT_FOUND", `prompt ${promptId} not found`),
  nothingDeployed: (promptId: string, environment: string) =>
    new AppError("NOT_FOUND", `no version of prompt ${promptId} is deployed to ${environment}`),
  versionNotFound: (versionId: string, promptId?: string) =>
    new AppError("NOT_FOUND", promptId === undefined ? `prompt version ${versionId} not found` : `prompt version ${versionId} of prompt ${promptId} not found`),
};

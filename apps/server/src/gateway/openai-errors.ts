import type { Response } from "express";

/**
 * Errors in OpenAI's shape, so the `openai` SDK surfaces our message (`APIError.message`) and code.
 * `details` carries the structured input errors for prompt calls.
 */
export function sendOpenAiError(
  res: Response,
  status: number,
  message: string,
  type: string,
  code: string,
  details?: unknown,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).json({ error: { message, type, code, param: null, ...(details === undefined ? {} : { details }) } });
}

// Request bodies of the handlers that run on plain Node req/res, ahead of Express (the gateway, the hot
// REST routes). Same limits and the same messages as express.json with our error mapping (http/errors.ts).
import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import { AppError } from "../errors.js";

/** Reads the request body, refusing (413) past the limit without buffering the excess. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new AppError("PAYLOAD_TOO_LARGE", `request body is larger than ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new AppError("PAYLOAD_TOO_LARGE", `request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** UTF-8 JSON text to a value; 400 with the reason otherwise. */
export function parseJsonBody(raw: Buffer): unknown {
  // Decoding would silently turn invalid bytes into U+FFFD and store them: refuse instead.
  if (!isUtf8(raw)) throw new AppError("BAD_REQUEST", "request body is not valid UTF-8");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new AppError("BAD_REQUEST", "request body is not valid JSON");
  }
}

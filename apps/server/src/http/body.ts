// Request bodies of the handlers that run on plain Node req/res, ahead of Express (the gateway, the hot
// REST routes). Same limits and the same messages as express.json with our error mapping (http/errors.ts).
import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { AppError } from "../errors.js";

/** The errors of reading a body, shared with Express's error handler so both paths say the same. */
export const bodyErrors = {
  tooLarge: (limit: number) => new AppError("PAYLOAD_TOO_LARGE", `request body is larger than ${limit} bytes`),
  unsupportedEncoding: () => new AppError("BAD_REQUEST", "unsupported content-encoding; send gzip, deflate, br or identity"),
  invalidJson: () => new AppError("BAD_REQUEST", "request body is not valid JSON"),
  invalidUtf8: () => new AppError("BAD_REQUEST", "request body is not valid UTF-8"),
  unsupportedCharset: () => new AppError("BAD_REQUEST", "unsupported charset; send UTF-8 JSON"),
  notJson: () => new AppError("BAD_REQUEST", "request body must be JSON sent with 'Content-Type: application/json'"),
  undecodable: () => new AppError("BAD_REQUEST", "request body does not match its content-encoding (could not decompress it)"),
};

/**
 * Reads the request body, decompressed as its `content-encoding` says (as express.json does), refusing
 * (413) past the limit without buffering the excess; the limit applies to the decompressed size.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const tooLarge = () => bodyErrors.tooLarge(limit);
  if (encoding === "identity" && Number(req.headers["content-length"]) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  const decoder = decoderFor(encoding);
  if (decoder === undefined) {
    req.resume();
    return Promise.reject(bodyErrors.unsupportedEncoding());
  }
  const source: Readable = decoder === null ? req : req.pipe(decoder);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: AppError) => {
      source.removeAllListeners("data");
      decoder?.destroy();
      req.unpipe();
      req.resume();
      reject(error);
    };
    source.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge());
      chunks.push(chunk);
    });
    source.once("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once("error", reject);
    decoder?.once("error", () => fail(bodyErrors.undecodable()));
  });
}

/** null: no decoding; undefined: an encoding we do not read. */
function decoderFor(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case "identity":
      return null;
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** UTF-8 JSON text to a value; 400 with the reason otherwise. */
export function parseJsonBody(raw: Buffer): unknown {
  // Decoding would silently turn invalid bytes into U+FFFD and store them: refuse instead.
  if (!isUtf8(raw)) throw bodyErrors.invalidUtf8();
  // A leading byte order mark is allowed (RFC 8259 §8.1) and skipped, as express.json does.
  const bom = raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
  try {
    return JSON.parse((bom ? raw.subarray(3) : raw).toString("utf8"));
  } catch {
    throw bodyErrors.invalidJson();
  }
}

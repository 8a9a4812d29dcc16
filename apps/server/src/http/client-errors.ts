import { maxHeaderSize, type Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Requests Node's HTTP parser refuses before any handler sees them (a request line and headers over
 * `maxHeaderSize`, malformed HTTP) get the API's JSON error envelope instead of Node's empty answer.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const [status, reason, message] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", `the request line and headers are larger than ${maxHeaderSize} bytes`]
        : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout", "the request was not received in time"]
          : [400, "Bad Request", "malformed HTTP request"];
    const body = JSON.stringify({ data: null, error: message });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

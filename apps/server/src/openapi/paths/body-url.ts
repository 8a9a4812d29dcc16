// GET <BODY_URL_PATH>/:versionId: the signed URL a version's `s3_url` points at (Helicone's S3 presigned
// URL, served by us). Outside the REST route table: no Authorization, no envelope.
import * as contracts from "@promptreg/contracts";
import { z } from "zod";
import { BODY_URL_PATH } from "../../services/index.js";
import { errorRefs, type OperationSpec } from "../operation.js";

export function bodyUrlOperations(): OperationSpec[] {
  return [
    {
      method: "get",
      path: `${BODY_URL_PATH}/:versionId`,
      summary: "A version's prompt body through a signed URL (the `s3_url` of a version)",
      description: "No Authorization header: the signature is the credential, as with the S3 presigned URL it stands for. Answers the raw body JSON, without the envelope.",
      tag: "Versions",
      public: true,
      query: z.object({ expires: z.string(), signature: z.string() }),
      responses: {
        "200": { description: "The prompt body", schema: contracts.ZPromptBody },
        ...errorRefs(["403", "404", "429", "500", "503"]),
      },
    },
  ];
}

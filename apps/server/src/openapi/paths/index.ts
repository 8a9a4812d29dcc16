// Every operation the document describes, one file per part of the API. The order here is the order of
// the document's paths: add a new part's file in its place. A test checks the document against the
// routes the app mounts, both ways.
import type { OperationSpec } from "../operation.js";
import { bodyUrlOperations } from "./body-url.js";
import { deploymentOperations } from "./deployments.js";
import { gatewayOperations } from "./gateway.js";
import { restOperations } from "./rest.js";
import { serviceOperations } from "./service.js";

export function allOperations(): OperationSpec[] {
  return [...restOperations(), ...gatewayOperations(), ...deploymentOperations(), ...bodyUrlOperations(), ...serviceOperations()];
}

import { MongoServerError } from "mongodb";

/** True for a unique-index violation (E11000): the one error our concurrency design turns into a retry. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

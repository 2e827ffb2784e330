import { createHash } from "node:crypto";
import type { SourceDocument } from "../corpus/source-document.js";

/** The identity of a document across runs: its source and its exact text. */
export function documentKey(document: SourceDocument): string {
  return createHash("sha256").update(document.sourceId).update("\0").update(document.text).digest("base64url");
}

import { ConfigError } from "../errors.js";
import type { RunStore } from "../store/run-store.js";
import { UNRECORDED_FINGERPRINT } from "./run-fingerprint.js";

/** Open the run in the store: refuse one made with other settings unless told to start over. */
export function claimStore(store: RunStore, fingerprint: Record<string, unknown>, forceNew: boolean): void {
  const stored = store.readConfig();
  if (stored && !forceNew) {
    const before = { ...UNRECORDED_FINGERPRINT, ...stored };
    const changed = Object.keys({ ...before, ...fingerprint }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(fingerprint[k]));
    if (changed.length > 0 && changed.includes("promptVersion")) {
      throw new ConfigError(
        `the run store ${store.path} was made by an earlier foveate, whose prompts differ (prompt version ${JSON.stringify(before.promptVersion)}, now ${JSON.stringify(fingerprint.promptVersion)}); ` +
          "its documents cannot be resumed with today's prompts: use another --store for a new run, or --force-new to start this store over",
      );
    }
    if (changed.length > 0) {
      const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));
      throw new ConfigError(
        `the run store ${store.path} was made with other settings (${changed.map((k) => `${k}: ${show(before[k])} then, ${show(fingerprint[k])} now`).join("; ")}); ` +
          "use the same settings to resume, another --store for a new run, or --force-new to start this store over (its cached replies are kept)",
      );
    }
  }
  if (stored && forceNew) store.resetRun();
  store.writeConfig(fingerprint);
}

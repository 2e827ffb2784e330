import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../test/support/repo-root.js";
import { COMMANDS } from "./commands.js";
import { commandName, optionsTable, readmeWithOptions } from "./readme-options.js";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

describe("the README's option tables", () => {
  it("are what the option table makes (run `npm run readme` after changing a flag)", () => {
    expect(readmeWithOptions(readme)).toBe(readme);
  });

  it("exist for every command that takes flags, and list each of its flags", () => {
    for (const def of COMMANDS) {
      if (def.flags.length === 0) continue;
      expect(readme, commandName(def)).toContain(`<!-- options: ${commandName(def)} -->\n${optionsTable(def)}\n<!-- /options -->`);
    }
    expect(optionsTable(COMMANDS[0])).toContain("| `--mu N` | `8` | instructions per document and level |");
    expect(optionsTable(COMMANDS[0])).toContain("| `--engine auto\\|api\\|local` | `auto` |");
  });

  it("fail loudly when a block is missing", () => {
    expect(() => readmeWithOptions("# no tables here")).toThrow(/options: synth/);
  });
});

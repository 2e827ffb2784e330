/** Writes the option tables of README.md from the CLI's option table: `npm run readme`. */
import { readFileSync, writeFileSync } from "node:fs";
import { readmeWithOptions } from "../src/cli/readme-options.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, readmeWithOptions(readFileSync(path, "utf8")));

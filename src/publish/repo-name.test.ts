import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { checkRepoName } from "./repo-name.js";

describe("checkRepoName", () => {
  it("accepts owner/name ids the Hub accepts", () => {
    for (const id of ["me/data", "my-org/self_foveate.v2", "A1/b", "x/y-1.0"]) expect(checkRepoName(id)).toBe(id);
  });

  it.each([
    ["data", "expected owner/name"],
    ["a/b/c", "expected owner/name"],
    ["/data", '"" may hold only'],
    ["me/", '"" may hold only'],
    ["me/my data", '"my data" may hold only'],
    ["me/-data", '"-data" may hold only'],
    ["me/data.", '"data." may hold only'],
    ["me/da--ta", 'may not hold "--"'],
    ["me/da..ta", 'may not hold "--" or ".."'],
    ["me/data.git", 'may not end with ".git"'],
    [`me/${"x".repeat(97)}`, "at most 96"],
    ["mé/data", '"mé" may hold only'],
  ])("refuses %j in one line", (id, why) => {
    let error: unknown;
    try {
      checkRepoName(id);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).toContain(`--repo ${JSON.stringify(id)}`);
    expect((error as Error).message).not.toContain("\n");
  });
});

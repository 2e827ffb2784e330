import { HubApiError } from "@huggingface/hub";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { hubFailure } from "./hub-failure.js";

const target = { hub: "http://hub.test/", repo: "me/data" };

function apiError(status: number, error?: string): HubApiError {
  const e = new HubApiError("http://hub.test/api/x", status, undefined, `Api error ${status}. URL: http://hub.test/api/x`);
  if (error) e.data = { error };
  return e;
}

describe("hubFailure", () => {
  it("says a refused token is refused, and how to get one", () => {
    const message = hubFailure(apiError(401, "Invalid credentials in Authorization header"), target)!.message;
    expect(message).toContain("the Hub at http://hub.test/ refused the token (HTTP 401: Invalid credentials in Authorization header)");
    expect(message).toContain("http://hub.test/settings/tokens");
    expect(message).toContain("HF_TOKEN");
  });

  it("names the repository a 403 forbids", () => {
    const message = hubFailure(apiError(403, "You don't have the rights to create a dataset under the namespace \"acme\""), target)!.message;
    expect(message).toMatch(/^cannot write to http:\/\/hub\.test\/datasets\/me\/data \(HTTP 403: You don't have the rights/);
    expect(message).toContain("write access to me");
  });

  it("says a server error or a dropped connection is worth a rerun, naming the Hub", () => {
    expect(hubFailure(apiError(503), target)!.message).toContain("(HTTP 503); try again later and run the same command again: it uploads only what is missing");
    const dropped = new TypeError("fetch failed", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    const message = hubFailure(dropped, target)!.message;
    expect(message).toBe("cannot reach the Hugging Face Hub at http://hub.test/ (UND_ERR_SOCKET) while pushing http://hub.test/datasets/me/data; run the same command again: it uploads only what is missing");
    expect(hubFailure(dropped, target)).toBeInstanceOf(ConfigError);
  });

  it("gives fetch's own reason when no network code says why", () => {
    const refused = new TypeError("fetch failed", { cause: new Error("bad port") });
    expect(hubFailure(refused, target)!.message).toContain("cannot reach the Hugging Face Hub at http://hub.test/ (bad port) while pushing");
  });

  it("leaves other errors alone", () => {
    expect(hubFailure(new RangeError("bug"), target)).toBeUndefined();
  });

  it("keeps a long server message to one short line", () => {
    const message = hubFailure(apiError(400, "x\n".repeat(300)), target)!.message;
    expect(message).not.toContain("\n");
    expect(message.length).toBeLessThan(400);
  });
});

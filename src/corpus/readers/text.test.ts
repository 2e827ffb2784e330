import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { readText } from "./text.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("readText", () => {
  it("makes paragraphs at blank lines, keeps single line breaks, and has one untitled section", async () => {
    const [doc] = await readText(bytes("\uFEFFFirst   line\r\nsecond line.\r\n \r\n\r\n\tNext paragraph.\n"), "notes.txt");
    expect(doc!.sourceId).toBe("notes.txt");
    expect(doc!.text).toBe("First line\nsecond line.\n\nNext paragraph.");
    expect(doc!.structure).toEqual({ file: "notes.txt", sections: [{ path: [], start: 0, end: doc!.text.length }] });
  });

  it("leaves Chinese text as it is", async () => {
    const text = "都江堰水利工程始建于公元前256年左右。\n第二段。";
    expect((await readText(bytes(text), "zh.txt"))[0]!.text).toBe(text);
  });

  it("refuses an empty file", async () => {
    await expect(readText(bytes(" \n\n\t"), "blank.txt")).rejects.toThrow(InputError);
  });
});

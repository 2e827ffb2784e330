import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { buildDocx, heading, listItem, paragraph, paragraphWithFootnote, table } from "../../../test/support/docx-fixture.js";
import { readDocx } from "./docx.js";

const REPORT = buildDocx(
  [
    paragraph("Prepared for the board meeting of 4 March."),
    heading(1, "History"),
    paragraph("The town has flooded four times since records began in 1850."),
    heading(2, "The 1903 flood"),
    paragraph("In 1903 the river rose eleven feet in two days & the mill was lost."),
    listItem("bullet", "The market square stood under water for a week"),
    listItem("bullet", "The stone bridge collapsed"),
    heading(2, "Levels"),
    table([["Year", "Peak (ft)"], ["1903", "11"], ["1927", "13"]]),
    heading(1, "Plans"),
    listItem("number", "Raise the levees by four feet"),
    listItem("number", "Replace the gauges"),
  ],
  { header: "Riverside Water Board — internal", footer: "Page 1 of 1" },
);

describe("readDocx", () => {
  it("reads headings, lists and tables as text, and leaves page headers and footers out", async () => {
    const [doc, ...rest] = await readDocx(REPORT, "reports/floods.docx");
    expect(rest).toEqual([]);
    expect(doc!.sourceId).toBe("reports/floods.docx");
    expect(doc!.text).toBe(
      [
        "Prepared for the board meeting of 4 March.",
        "History",
        "The town has flooded four times since records began in 1850.",
        "The 1903 flood",
        "In 1903 the river rose eleven feet in two days & the mill was lost.",
        "- The market square stood under water for a week",
        "- The stone bridge collapsed",
        "Levels",
        "Year | Peak (ft)",
        "1903 | 11",
        "1927 | 13",
        "Plans",
        "1. Raise the levees by four feet",
        "2. Replace the gauges",
      ].join("\n\n"),
    );
    expect(doc!.text).not.toContain("Riverside Water Board");
    expect(doc!.text).not.toContain("Page 1 of 1");
  });

  it("gives each heading style's section its path", async () => {
    const [doc] = await readDocx(REPORT, "floods.docx");
    const { text, structure } = doc!;
    expect(structure.file).toBe("floods.docx");
    expect(structure.sections.map((s) => [s.path.join(" > "), text.slice(s.start, s.end).split("\n\n").pop()])).toEqual([
      ["", "Prepared for the board meeting of 4 March."],
      ["History", "The town has flooded four times since records began in 1850."],
      ["History > The 1903 flood", "- The stone bridge collapsed"],
      ["History > Levels", "1927 | 13"],
      ["Plans", "2. Replace the gauges"],
    ]);
  });

  it("refuses a file that is not a Word file, or a zip without its document, in one line", async () => {
    const notZip = readDocx(strToU8("just some text, renamed to .docx"), "notes.docx");
    await expect(notZip).rejects.toThrow(InputError);
    await expect(notZip).rejects.toThrow(/^notes\.docx: not a readable Word file \(\.docx\): [^\n]+$/);
    const noDocument = zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "word/styles.xml": strToU8("<w:styles/>") });
    await expect(readDocx(noDocument, "broken.docx")).rejects.toThrow("broken.docx: not a readable Word file (.docx)");
  });

  it("says an old .doc and a password-locked file cannot be read, and what to do", async () => {
    const ole = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
    const doc = Uint8Array.from([...ole, ...new Array(504).fill(0)]);
    await expect(readDocx(doc, "old.doc")).rejects.toThrow("old.doc: an old Word file (.doc), which cannot be read: open it in Word or LibreOffice and save it as .docx");
    const locked = Uint8Array.from([...ole, ...Buffer.from("EncryptionInfo\0EncryptedPackage", "utf16le")]);
    await expect(readDocx(locked, "locked.docx")).rejects.toThrow("locked.docx: a Word file locked with a password");
  });

  it("keeps footnotes as text at the end, without the links back to where they were cited", async () => {
    const docx = buildDocx([paragraphWithFootnote("The gauge read thirteen feet.", 1)], { footnotes: ["Gauge at the old mill, since moved."] });
    const [doc] = await readDocx(docx, "notes.docx");
    expect(doc!.text).toBe("The gauge read thirteen feet.[1]\n\n1. Gauge at the old mill, since moved.");
  });

  it("refuses a Word file with no text", async () => {
    await expect(readDocx(buildDocx([]), "blank.docx")).rejects.toThrow("blank.docx: no text in this Word file");
  });
});

import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { buildReport, PdfFixture, REPORT_HEADER } from "../../../test/support/pdf-fixtures.js";
import { readPdf } from "./pdf.js";

const sentences = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${topic} sentence ${i + 1} tells of the river that runs past the old mill and the town.`).join(" ");

async function report() {
  return buildReport([
    {
      blocks: [
        { heading: "History", level: 1 },
        { paragraph: `The town was ﬁrst settled in 1802 by ﬂax growers. ${sentences("Early", 3)}` },
        { heading: "The 1903 flood", level: 2 },
        { lines: ["The flood is the best-known exam-", "ple of how high the water can rise, and it", "is still told of in every school."] },
        { paragraph: sentences("Flood", 4) },
      ],
    },
    {
      columns: {
        heading: "Rebuilding",
        left: [sentences("Left first", 3), sentences("Left second", 2)],
        right: [sentences("Right first", 3), sentences("Right second", 2)],
      },
    },
    { blocks: [{ heading: "Today", level: 1 }, { paragraph: `The mill is a museum now. ${sentences("Today", 2)}` }] },
  ]);
}

describe("readPdf", () => {
  it("gives the content only, in reading order, with words whole again", async () => {
    const [doc, ...more] = await readPdf(await report(), "reports/town.pdf");
    expect(more).toEqual([]);
    const text = doc!.text;
    expect(doc!.sourceId).toBe("reports/town.pdf");
    expect(doc!.structure.file).toBe("reports/town.pdf");

    expect(text).toContain("The town was first settled in 1802 by flax growers.");
    expect(text).toContain("The flood is the best-known example of how high the water can rise, and it is still told of in every school.");
    expect(text).toContain("Right first sentence 3 tells of the river that runs past the old mill and the town.");
    expect(text).not.toMatch(/[\uFB00-\uFB06]/);
    expect(text).not.toContain(REPORT_HEADER);
    expect(text).not.toMatch(/Page \d/);

    // Paragraphs as set, the left column's before the right's.
    const paragraphs = text.split("\n\n");
    expect(paragraphs).toContain(sentences("Left second", 2));
    expect(paragraphs).toContain(sentences("Flood", 4));
    const at = (s: string) => text.indexOf(s);
    expect(at("Left first sentence 1")).toBeLessThan(at("Left second sentence 2"));
    expect(at("Left second sentence 2")).toBeLessThan(at("Right first sentence 1"));
    expect(at("Right first sentence 3")).toBeLessThan(at("Right second sentence 1"));
  });

  it("opens a section at each heading, ranked by font size, and marks each page's text", async () => {
    const [doc] = await readPdf(await report(), "town.pdf");
    const { text, structure } = doc!;
    const sections = structure.sections.map((s) => ({ path: s.path.join(" > "), text: text.slice(s.start, s.end) }));
    expect(sections.map((s) => s.path)).toEqual(["History", "History > The 1903 flood", "History > Rebuilding", "Today"]);
    expect(sections[1]!.text).toMatch(/^The 1903 flood\n\nThe flood is the best-known example/);
    expect(sections[2]!.text).toContain("Right second sentence 2");
    expect(sections[3]!.text).toContain("The mill is a museum now.");

    expect(structure.pages?.map((p) => p.page)).toEqual([1, 2, 3]);
    const page = (n: number) => {
      const span = structure.pages!.find((p) => p.page === n)!;
      return text.slice(span.start, span.end);
    };
    expect(page(1)).toMatch(/^History\n\nThe town was first settled[\s\S]*Flood sentence 4 [^\n]*$/);
    expect(page(2)).toMatch(/^Rebuilding\n\nLeft first[\s\S]*Right second sentence 2 [^\n]*$/);
    expect(page(3)).toMatch(/^Today\n\nThe mill is a museum now\./);
  });

  it("leaves the caller's bytes usable", async () => {
    const bytes = await report();
    const before = bytes.byteLength;
    await readPdf(bytes, "town.pdf");
    expect(bytes.byteLength).toBe(before);
  });

  it("refuses an encrypted PDF, naming the file and what to do", async () => {
    const pdf = await PdfFixture.create();
    pdf.page([{ text: "Secret minutes of the board.", x: 72, y: 700 }]);
    pdf.requirePassword();
    const error = await readPdf(await pdf.save(), "locked.pdf").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("locked.pdf: encrypted PDF: remove the password first");
  });

  it("refuses a PDF of scanned images with no text layer", async () => {
    const pdf = await PdfFixture.create();
    pdf.imagePage();
    pdf.imagePage();
    const error = await readPdf(await pdf.save(), "scan.pdf").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("scan.pdf: no text layer (a scanned PDF?): run OCR first");
  });

  it("refuses a PDF with nothing but page furniture", async () => {
    const error = await readPdf(await buildReport([{}, {}, {}]), "blank.pdf").catch((e: unknown) => e);
    expect((error as Error).message).toBe("blank.pdf: no text besides page numbers and running headers: nothing to read");
  });

  it("refuses a corrupt or truncated PDF", async () => {
    const bytes = await report();
    for (const bad of [bytes.slice(0, bytes.length / 2), new TextEncoder().encode("%PDF-1.7\nnot really"), new TextEncoder().encode("hello")]) {
      const error = await readPdf(bad, "broken.pdf").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^broken\.pdf: not a readable PDF, corrupt or truncated \(.*\): re-export or repair it$/);
    }
  });
});

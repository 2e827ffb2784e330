/**
 * PDFs built in code for the PDF reader's tests and benchmark: text set line by line at given
 * positions and sizes, as a typesetter leaves it. The font maps its codes to Unicode through a
 * ToUnicode map, as real PDFs do, so ligature glyphs (U+FB01 ...) come out of the text layer.
 */
import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  moveText,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
  popGraphicsState,
  pushGraphicsState,
  setFontAndSize,
  showText,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from "pdf-lib";

/** A line of text on a page: its baseline start in points (y up, a Letter page is 612 x 792). */
export interface FixtureLine {
  text: string;
  x: number;
  y: number;
  /** Font size in points; 10 unless given. */
  size?: number;
}

export const PAGE_WIDTH = 612;
export const PAGE_HEIGHT = 792;

/** Byte codes of the font for the ligature glyphs; printable ASCII keeps its own codes. */
const LIGATURE_CODES: Record<string, number> = { "\uFB00": 1, "\uFB01": 2, "\uFB02": 3, "\uFB03": 4, "\uFB04": 5 };

const TO_UNICODE = [
  "/CIDInit /ProcSet findresource begin",
  "12 dict begin",
  "begincmap",
  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
  "/CMapName /Fixture-UCS def",
  "/CMapType 2 def",
  "1 begincodespacerange <00> <FF> endcodespacerange",
  "1 beginbfrange <20> <7E> <0020> endbfrange",
  `${Object.keys(LIGATURE_CODES).length} beginbfchar`,
  ...Object.entries(LIGATURE_CODES).map(([ch, code]) => `<${hex(code)}> <${ch.codePointAt(0)!.toString(16).toUpperCase()}>`),
  "endbfchar",
  "endcmap",
  "CMapName currentdict /CMap defineresource pop",
  "end",
  "end",
].join("\n");

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

/** The font's byte codes for a text of printable ASCII and ligatures. */
function encode(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = LIGATURE_CODES[ch] ?? ch.charCodeAt(0);
    if (code > 0x7e || (code < 0x20 && LIGATURE_CODES[ch] === undefined)) throw new Error(`the fixture font has no glyph for ${JSON.stringify(ch)}`);
    out += hex(code);
  }
  return out;
}

/** Builds PDFs page by page. */
export class PdfFixture {
  private constructor(
    readonly doc: PDFDocument,
    private readonly fontRef: ReturnType<PDFDocument["context"]["register"]>,
    /** Helvetica's metrics, for measuring text (the pages use the fixture font, Helvetica with a ToUnicode map). */
    readonly metrics: PDFFont,
  ) {}

  static async create(): Promise<PdfFixture> {
    const doc = await PDFDocument.create();
    const toUnicode = doc.context.register(doc.context.flateStream(TO_UNICODE));
    const font = doc.context.register(
      doc.context.obj({
        Type: "Font",
        Subtype: "Type1",
        BaseFont: "Helvetica",
        Encoding: { Type: "Encoding", BaseEncoding: "WinAnsiEncoding", Differences: [1, "ff", "fi", "fl", "ffi", "ffl"] },
        ToUnicode: toUnicode,
      }),
    );
    return new PdfFixture(doc, font, await doc.embedFont(StandardFonts.Helvetica));
  }

  /** The width of `text` set at `size`, in points. */
  width(text: string, size = 10): number {
    return this.metrics.widthOfTextAtSize(text.replace(/[\uFB00-\uFB04]/g, "fi"), size);
  }

  /** Words of `text` broken into lines no wider than `width` at `size`. */
  wrap(text: string, width: number, size = 10): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(/\s+/).filter(Boolean)) {
      const tried = line === "" ? word : `${line} ${word}`;
      if (line !== "" && this.width(tried, size) > width) {
        lines.push(line);
        line = word;
      } else line = tried;
    }
    if (line !== "") lines.push(line);
    return lines;
  }

  /** A page with these lines of text. */
  page(lines: FixtureLine[]): PDFPage {
    const page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const name = page.node.newFontDictionary("FixtureFont", this.fontRef);
    for (const line of lines) {
      page.pushOperators(
        beginText(),
        setFontAndSize(name, line.size ?? 10),
        moveText(line.x, line.y),
        showText(PDFHexString.of(encode(line.text))),
        endText(),
      );
    }
    return page;
  }

  /** A page that is one grey picture and no text, as a scanner leaves it. */
  imagePage(): PDFPage {
    const page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    const pixels = new Uint8Array(16 * 16).map((_, i) => (i * 37) % 256);
    const image = this.doc.context.register(
      this.doc.context.stream(pixels, { Type: "XObject", Subtype: "Image", Width: 16, Height: 16, ColorSpace: "DeviceGray", BitsPerComponent: 8 }),
    );
    const name = page.node.newXObject("Scan", image);
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(PAGE_WIDTH, 0, 0, PAGE_HEIGHT, 0, 0), drawObject(name), popGraphicsState());
    return page;
  }

  /**
   * Marks the document as encrypted with a user password (the standard security handler, RC4
   * 40-bit): its /U entry matches no empty password, so a reader must ask for one.
   */
  requirePassword(): void {
    const bytes32 = (seed: number) => PDFHexString.of(Array.from({ length: 32 }, (_, i) => hex((i * 53 + seed) % 256)).join(""));
    this.doc.context.trailerInfo.Encrypt = this.doc.context.obj({
      Filter: PDFName.of("Standard"),
      V: PDFNumber.of(1),
      R: PDFNumber.of(2),
      Length: PDFNumber.of(40),
      O: bytes32(7),
      U: bytes32(11),
      P: PDFNumber.of(-4),
    });
    this.doc.context.trailerInfo.ID = this.doc.context.obj([PDFString.of("fixtureid0000000"), PDFString.of("fixtureid0000000")]);
  }

  async save(): Promise<Uint8Array> {
    return this.doc.save({ useObjectStreams: false });
  }
}

/**
 * A report as a typesetter sets one: a running header and a "Page N of M" footer on every page, a
 * title and section headings in bigger type, paragraphs of wrapped body text with a blank line
 * between them, and on request a page set in two columns under a title spanning both.
 */
export interface ReportPage {
  /** Headings (level 1 or 2) and paragraphs, in order, set in one column; `lines` is a paragraph broken where given. */
  blocks?: ({ heading: string; level: 1 | 2 } | { paragraph: string } | { lines: string[] })[];
  /** Two columns of paragraphs under an optional heading across both. */
  columns?: { heading?: string; left: string[]; right: string[] };
}

export const REPORT_HEADER = "Riverside Annual Report 2024";
const BODY = 10;
const LEADING = 12;
const MARGIN = 72;
const HEADING_SIZE: Record<1 | 2, number> = { 1: 18, 2: 14 };

export async function buildReport(pages: ReportPage[], fixture?: PdfFixture): Promise<Uint8Array> {
  const pdf = fixture ?? (await PdfFixture.create());
  pages.forEach((spec, i) => {
    const lines: FixtureLine[] = [
      { text: REPORT_HEADER, x: MARGIN, y: PAGE_HEIGHT - 40, size: 8 },
      { text: `Page ${i + 1} of ${pages.length}`, x: PAGE_WIDTH / 2 - 20, y: 36, size: 8 },
    ];
    let y = PAGE_HEIGHT - MARGIN - 10;
    const setParagraph = (text: string, x: number, width: number) => setLines(pdf.wrap(text, width, BODY), x);
    const setLines = (paragraph: string[], x: number) => {
      for (const line of paragraph) {
        lines.push({ text: line, x, y, size: BODY });
        y -= LEADING;
      }
      y -= LEADING; // a blank line between paragraphs
    };
    const setHeading = (text: string, level: 1 | 2) => {
      y -= 6;
      lines.push({ text, x: MARGIN, y, size: HEADING_SIZE[level] });
      y -= HEADING_SIZE[level] + 10;
    };
    for (const block of spec.blocks ?? []) {
      if ("heading" in block) setHeading(block.heading, block.level);
      else if ("lines" in block) setLines(block.lines, MARGIN);
      else setParagraph(block.paragraph, MARGIN, PAGE_WIDTH - 2 * MARGIN);
    }
    if (spec.columns) {
      if (spec.columns.heading) setHeading(spec.columns.heading, 2);
      const top = y;
      const columnWidth = (PAGE_WIDTH - 2 * MARGIN - 24) / 2;
      for (const p of spec.columns.left) setParagraph(p, MARGIN, columnWidth);
      y = top;
      for (const p of spec.columns.right) setParagraph(p, MARGIN + columnWidth + 24, columnWidth);
    }
    pdf.page(lines);
  });
  return pdf.save();
}

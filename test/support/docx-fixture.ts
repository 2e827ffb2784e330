import { strToU8, zipSync } from "fflate";

/**
 * Builds Word files (.docx) in memory for tests: the parts Word itself writes for a document with
 * heading styles, lists, tables, a page header and a page footer, put together with fflate.
 */

const W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_R = "http://schemas.openxmlformats.org/package/2006/relationships";

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function run(text: string): string {
  return `<w:r><w:t xml:space="preserve">${escape(text)}</w:t></w:r>`;
}

/** A paragraph of body text. */
export function paragraph(text: string): string {
  return `<w:p>${run(text)}</w:p>`;
}

/** A paragraph in the built-in style "heading N" (styleId HeadingN), as Word's heading buttons make it. */
export function heading(level: 1 | 2 | 3, text: string): string {
  return `<w:p><w:pPr><w:pStyle w:val="Heading${level}"/></w:pPr>${run(text)}</w:p>`;
}

/** A list item of the bulleted (numId 1) or the numbered (numId 2) list. */
export function listItem(kind: "bullet" | "number", text: string): string {
  return `<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="${kind === "bullet" ? 1 : 2}"/></w:numPr></w:pPr>${run(text)}</w:p>`;
}

/** A paragraph ending in a reference to footnote `id` (its text given to buildDocx). */
export function paragraphWithFootnote(text: string, id: number): string {
  return `<w:p>${run(text)}<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="${id}"/></w:r></w:p>`;
}

/** A table, one array of cell texts per row. */
export function table(rows: string[][]): string {
  const body = rows.map((cells) => `<w:tr>${cells.map((cell) => `<w:tc>${paragraph(cell)}</w:tc>`).join("")}</w:tr>`).join("");
  return `<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>${body}</w:tbl>`;
}

/** A .docx whose body holds `blocks` (from the functions above), with a page header and footer on every page. */
export function buildDocx(blocks: string[], page: { header?: string; footer?: string; footnotes?: string[] } = {}): Uint8Array {
  const header = page.header ?? "Riverside Water Board — internal";
  const footer = page.footer ?? "Page 1 of 1";
  const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>
<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>
<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>
</Types>`;
  const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="${PACKAGE_R}"><Relationship Id="rId1" Type="${R}/officeDocument" Target="word/document.xml"/></Relationships>`;
  const documentRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="${PACKAGE_R}">
<Relationship Id="rId1" Type="${R}/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="${R}/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="${R}/header" Target="header1.xml"/>
<Relationship Id="rId4" Type="${R}/footer" Target="footer1.xml"/>
<Relationship Id="rId5" Type="${R}/footnotes" Target="footnotes.xml"/>
</Relationships>`;
  const style = (id: string, name: string) =>
    `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/><w:basedOn w:val="Normal"/></w:style>`;
  const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="${W}"><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
${style("Heading1", "heading 1")}${style("Heading2", "heading 2")}${style("Heading3", "heading 3")}${style("ListParagraph", "List Paragraph")}
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style></w:styles>`;
  const abstract = (id: number, format: string) =>
    `<w:abstractNum w:abstractNumId="${id}"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="${format}"/><w:lvlText w:val="${format === "bullet" ? "•" : "%1."}"/></w:lvl></w:abstractNum>`;
  const numbering = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="${W}">${abstract(0, "bullet")}${abstract(1, "decimal")}
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num></w:numbering>`;
  const document = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="${W}" xmlns:r="${R}"><w:body>${blocks.join("")}
<w:sectPr><w:headerReference w:type="default" r:id="rId3"/><w:footerReference w:type="default" r:id="rId4"/></w:sectPr></w:body></w:document>`;
  // Footnotes 1, 2, ... after the separators Word always writes as -1 and 0.
  const notes = (page.footnotes ?? []).map((note, i) => `<w:footnote w:id="${i + 1}">${paragraph(note)}</w:footnote>`);
  const footnotes = `<w:footnotes xmlns:w="${W}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>${notes.join("")}</w:footnotes>`;
  return zipSync({
    "word/footnotes.xml": strToU8(footnotes),
    "[Content_Types].xml": strToU8(contentTypes),
    "_rels/.rels": strToU8(rels),
    "word/_rels/document.xml.rels": strToU8(documentRels),
    "word/document.xml": strToU8(document),
    "word/styles.xml": strToU8(styles),
    "word/numbering.xml": strToU8(numbering),
    "word/header1.xml": strToU8(`<w:hdr xmlns:w="${W}">${paragraph(header)}</w:hdr>`),
    "word/footer1.xml": strToU8(`<w:ftr xmlns:w="${W}">${paragraph(footer)}</w:ftr>`),
  });
}

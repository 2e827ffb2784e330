import { strToU8, zipSync, type Zippable } from "fflate";

/**
 * Builds EPUB books in memory for tests: the mimetype entry first and stored, META-INF/container.xml
 * pointing at the package document (OPF), its manifest and spine, the chapters as XHTML, and a table
 * of contents as an EPUB 3 nav document or an EPUB 2 NCX.
 */

export interface EpubChapter {
  /** Its path under OEBPS/, e.g. "text/ch1.xhtml". */
  href: string;
  /** The body's inner XHTML. */
  body: string;
  /** Its label in the table of contents. */
  label?: string;
}

export interface EpubOptions {
  toc?: "nav" | "ncx";
  /** META-INF/encryption.xml listing these paths (from the zip's root). */
  encrypted?: string[];
  /** Adds META-INF/rights.xml, as Adobe's DRM does. */
  rights?: boolean;
}

function xhtml(title: string, body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>${title}</title>
<link rel="stylesheet" type="text/css" href="../style.css"/></head><body>${body}</body></html>`;
}

export function buildEpub(chapters: EpubChapter[], options: EpubOptions = {}): Uint8Array {
  const toc = options.toc ?? "nav";
  const items = chapters.map((c, i) => `<item id="c${i + 1}" href="${encodeURI(c.href)}" media-type="application/xhtml+xml"/>`);
  if (toc === "nav") items.push(`<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>`);
  else items.push(`<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>`);
  items.push(`<item id="css" href="style.css" media-type="text/css"/>`, `<item id="cover" href="images/cover.jpg" media-type="image/jpeg"/>`);
  const opf = `<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:0</dc:identifier><dc:title>Rivers</dc:title><dc:language>en</dc:language></metadata>
<manifest>${items.join("\n")}</manifest>
<spine${toc === "ncx" ? ' toc="ncx"' : ""}>${chapters.map((_, i) => `<itemref idref="c${i + 1}"/>`).join("")}</spine></package>`;
  const files: Zippable = {
    mimetype: [strToU8("application/epub+zip"), { level: 0 }],
    "META-INF/container.xml": strToU8(`<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`),
    "OEBPS/content.opf": strToU8(opf),
    "OEBPS/style.css": strToU8("p { text-indent: 1em }"),
    "OEBPS/images/cover.jpg": Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
  };
  for (const c of chapters) files[`OEBPS/${c.href}`] = strToU8(xhtml(c.label ?? "", c.body));
  const labelled = chapters.filter((c) => c.label !== undefined);
  if (toc === "nav") {
    const list = labelled.map((c) => `<li><a href="${encodeURI(c.href)}#start">${c.label}</a></li>`).join("");
    files["OEBPS/nav.xhtml"] = strToU8(xhtml("Contents", `<nav epub:type="toc"><h1>Contents</h1><ol>${list}</ol></nav>`));
  } else {
    const points = labelled
      .map((c, i) => `<navPoint id="p${i}" playOrder="${i + 1}"><navLabel><text>${c.label}</text></navLabel><content src="${encodeURI(c.href)}"/></navPoint>`)
      .join("");
    files["OEBPS/toc.ncx"] = strToU8(`<?xml version="1.0" encoding="UTF-8"?>
<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/><docTitle><text>Rivers</text></docTitle><navMap>${points}</navMap></ncx>`);
  }
  if (options.encrypted) {
    const data = options.encrypted
      .map((uri) => `<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><CipherData><CipherReference URI="${encodeURI(uri)}"/></CipherData></EncryptedData>`)
      .join("");
    files["META-INF/encryption.xml"] = strToU8(`<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container">${data}</encryption>`);
  }
  if (options.rights) files["META-INF/rights.xml"] = strToU8(`<?xml version="1.0"?><adept:rights xmlns:adept="http://ns.adobe.com/adept"/>`);
  return zipSync(files);
}

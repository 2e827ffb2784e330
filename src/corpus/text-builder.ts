import type { PageSpan, SectionSpan } from "./extracted-document.js";

/**
 * Builds a document's text from its parts in reading order, keeping track of the sections its
 * headings open and of the pages the parts came from. Paragraphs (a heading, a list item, a table
 * row are paragraphs too) are separated by one blank line; runs of spaces inside one become a
 * single space, and line breaks kept on purpose stay single.
 */
export class TextBuilder {
  private text = "";
  private readonly path: string[] = [];
  private readonly sections: SectionSpan[] = [];
  private readonly pages: PageSpan[] = [];
  /** The section being filled: its path and where it starts (undefined until its first paragraph). */
  private open: { path: string[]; start?: number } = { path: [] };
  private pendingPage: number | undefined;

  /** A heading of `level` (1 for the top): a paragraph that opens a section. */
  heading(level: number, text: string): void {
    const title = tidy(text);
    if (title === "") return;
    this.closeSection();
    this.path.length = Math.min(this.path.length, Math.max(0, level - 1));
    this.path.push(title);
    this.open = { path: [...this.path] };
    this.append(title);
  }

  /** A paragraph of running text (an empty one is dropped). */
  paragraph(text: string): void {
    const body = tidy(text);
    if (body !== "") this.append(body);
  }

  /** The parts that follow come from page `page` (1-based). */
  page(page: number): void {
    this.pendingPage = page;
  }

  build(): { text: string; sections: SectionSpan[]; pages?: PageSpan[] } {
    this.closeSection();
    this.closePage();
    return { text: this.text, sections: this.sections, ...(this.pages.length > 0 ? { pages: this.pages } : {}) };
  }

  private append(paragraph: string): void {
    const end = this.text.length;
    if (this.text !== "") this.text += "\n\n";
    const start = this.text.length;
    if (this.pendingPage !== undefined) {
      this.closePage(end);
      this.pages.push({ page: this.pendingPage, start, end: start });
      this.pendingPage = undefined;
    }
    this.open.start ??= start;
    this.text += paragraph;
  }

  private closeSection(): void {
    if (this.open.start !== undefined) this.sections.push({ path: this.open.path, start: this.open.start, end: this.text.length });
  }

  private closePage(end = this.text.length): void {
    const last = this.pages[this.pages.length - 1];
    if (last) last.end = end;
  }
}

/** Runs of spaces (odd ones too) become one space; line breaks stay, single. */
function tidy(text: string): string {
  return text
    .replace(/[^\S\n]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{2,}/g, "\n")
    .trim();
}

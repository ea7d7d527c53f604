/** Spreadsheet programs and some editors start a UTF-8 file with a byte-order mark: it is no part of the data. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

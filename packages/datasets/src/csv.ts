type Field = { text: string; quoted: boolean };

/**
 * One CSV record on one line (RFC 4180 without line breaks inside quotes):
 * fields split at commas, a quoted field may hold commas and "" for a quote.
 * Returns the fields, each with whether it was quoted, or a problem.
 */
export function splitCsvLine(line: string): { fields: Field[] } | { problem: string } {
  const fields: Field[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      for (i++; ; i++) {
        if (i >= line.length) return { problem: 'a quoted field is not closed' };
        if (line[i] === '"' && line[i + 1] === '"') {
          text += '"';
          i++;
        } else if (line[i] === '"') break;
        else text += line[i];
      }
      i++;
      fields.push({ text, quoted: true });
    } else {
      const end = line.indexOf(',', i);
      const text = line.slice(i, end === -1 ? line.length : end);
      if (text.includes('"')) return { problem: 'a quote inside an unquoted field' };
      fields.push({ text, quoted: false });
      i = end === -1 ? line.length : end;
    }
    if (i >= line.length) return { fields };
    if (line[i] !== ',') return { problem: 'text after a quoted field' };
    i++;
  }
}

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

const present = (field: Field | undefined): field is Field => field !== undefined && (field.quoted || field.text !== '');
const numeric = (field: Field) => !field.quoted && NUMBER.test(field.text);

/**
 * CSV has no types, so a row gets them from how each value is written: an
 * unquoted number is a number, an empty unquoted value is a missing field,
 * anything else (a quoted value always) is a string. "007" stays a string.
 */
export function csvRow(header: readonly string[], fields: readonly Field[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const field = fields[i];
    if (!present(field)) return;
    const value = numeric(field) ? Number(field.text) : field.text;
    // Defined, not assigned: a column named __proto__ becomes a field like any other (and is rejected as unknown).
    Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  });
  return row;
}

/** The JSON text of the object csvRow makes, keys in header order and every number as written. */
export function csvJson(header: readonly string[], fields: readonly Field[]): string {
  const members: string[] = [];
  header.forEach((name, i) => {
    const field = fields[i];
    if (present(field)) members.push(`${JSON.stringify(name)}:${numeric(field) ? field.text : JSON.stringify(field.text)}`);
  });
  return `{${members.join(',')}}`;
}

/**
 * A row as one CSV line of the header's fields, or undefined when CSV cannot
 * carry it as written: not an object, a field the header does not name, or a
 * value that is neither a number nor a string. Strings are always quoted, so
 * that "007" stays a string when read back; a missing field is left empty.
 */
export function csvLine(header: readonly string[], row: unknown): string | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined;
  const record = row as Record<string, unknown>;
  if (Object.keys(record).some((key) => !header.includes(key))) return undefined;
  const cells: string[] = [];
  for (const name of header) {
    const value = Object.hasOwn(record, name) ? record[name] : undefined;
    if (value === undefined) cells.push('');
    else if (typeof value === 'number' && Number.isFinite(value)) cells.push(String(value));
    else if (typeof value === 'string' && !/[\n\r]/.test(value)) cells.push(`"${value.replaceAll('"', '""')}"`);
    else return undefined;
  }
  return cells.join(',');
}

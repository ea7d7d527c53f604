import type { NodeName, Reason, TakenBy } from '@dbsim/protocol';

/** A rejected row as the report gives it; the row as the JSON text it was recorded in. */
export interface Rejected {
  table: NodeName;
  id: unknown;
  position: number;
  /** The offset of the batch whose transaction decided it, where the run's log says. */
  batch?: number;
  reasons: Reason[];
  takenBy?: TakenBy;
  row: string;
}

/** What a table is, for explaining its rows: its fields, and the references whose owners decide a row too. */
export interface TableShape {
  fields: string[];
  references: { field: string; owner: NodeName; reason: Reason }[];
}
export type Shapes = Record<NodeName, TableShape>;

/** An id as it is looked up: as written (`8`, or `"8"` for a string). */
export const idText = (id: unknown): string => JSON.stringify(id) ?? 'null';

/** The ids an id typed on a command line names: as written, or as a string (`8` finds the id 8 and the id "8"). */
export const idTexts = (typed: string): string[] => [typed, idText(typed)];

/** The rejected rows of a run, found by table and id. */
export class RejectionIndex {
  readonly #byId = new Map<string, Rejected[]>();

  constructor(rejections: Iterable<Rejected>) {
    for (const rejected of rejections) {
      const key = `${rejected.table}#${idText(rejected.id)}`;
      const same = this.#byId.get(key);
      if (same) same.push(rejected);
      else this.#byId.set(key, [rejected]);
    }
  }

  /** The rows of `table` rejected with this id (see idTexts). */
  find(table: NodeName, id: string): Rejected[] {
    const found = idTexts(id).flatMap((text) => this.#byId.get(`${table}#${text}`) ?? []);
    return [...new Set(found)].sort((a, b) => a.position - b.position);
  }
}

/** A table's row, in words: `user`. */
export const singular: Record<NodeName, string> = { users: 'user', products: 'product', orders: 'order' };

/**
 * Why rows of `table` with this id were rejected, in words, a line each:
 * every reason, and for a reference what the owning node decided about the
 * row it names, and why, as far back as the cause goes; for a duplicate
 * key, which row holds it. None when no row with the id was rejected.
 */
export function explainRejections(index: RejectionIndex, shapes: Shapes, table: NodeName, id: string, covers = allOf): string[] {
  return explainRejected(index, shapes, index.find(table, id), covers);
}

/** Why these rejected rows were, in words: as explainRejections, for rows found some other way (by their place in the stream). */
export function explainRejected(index: RejectionIndex, shapes: Shapes, rows: Rejected[], covers = allOf): string[] {
  return rows.flatMap((rejected) => explainOne({ index, shapes, covers }, rejected, ''));
}

/** Whether the index holds every rejected row of a table: a page holds only the first. */
type Covers = (table: NodeName) => boolean;
const allOf: Covers = () => true;

function explainOne(known: { index: RejectionIndex; shapes: Shapes; covers: Covers }, rejected: Rejected, indent: string): string[] {
  const { index, shapes } = known;
  const { table, position, batch, reasons } = rejected;
  const row = parse(rejected.row);
  const lines = [
    `${indent}${singular[table]} ${idText(rejected.id)} (row ${position + 1} of the ${table} stream${decided(position, batch)}): ${rejected.row}`,
  ];
  for (const reason of reasons) {
    const reference = shapes[table].references.find((r) => r.reason === reason);
    if (reference === undefined) {
      lines.push(`${indent}  rejected for ${reason}: ${because(reason, rejected, row, shapes[table])}`);
      continue;
    }
    const owner = reference.owner;
    const named = field(row, reference.field);
    const causes = named === undefined ? [] : index.find(owner, idText(named));
    if (causes.length === 0 && !known.covers(owner)) {
      lines.push(
        `${indent}  rejected for ${reason}: ${owner}-node did not accept ${singular[owner]} ${idText(named)} (why is beyond the rows this page holds)`,
      );
      continue;
    }
    if (causes.length === 0) {
      lines.push(
        `${indent}  rejected for ${reason}: ${owner}-node holds no ${singular[owner]} ${idText(named)}: no row of the ${owner} stream had that id`,
      );
      continue;
    }
    lines.push(`${indent}  rejected for ${reason}: ${owner}-node rejected ${singular[owner]} ${idText(named)}:`);
    for (const cause of causes) lines.push(...explainOne(known, cause, `${indent}    `));
  }
  return lines;
}

/** Which batch decided a row: its own, or for a row held back, the one that sealed the stream. */
function decided(position: number, batch: number | undefined): string {
  if (batch === undefined) return '';
  return batch <= position ? `, in the batch from row ${batch + 1}` : ', held back until the stream’s seal decided it';
}

/** Why a rule rejected the row, from what the row says. */
function because(reason: Reason, rejected: Rejected, row: unknown, shape: TableShape): string {
  const value = (name: string) => idText(field(row, name));
  const holder = rejected.takenBy?.[reason];
  switch (reason) {
    case 'row_malformed':
      return 'it is not a JSON object';
    case 'field_missing':
      return `it has no ${shape.fields.filter((name) => field(row, name) === undefined).join(', ')}`;
    case 'field_type':
      return 'a field has the wrong JSON type (numbers for ids, prices and quantities; strings for names and emails)';
    case 'field_unknown':
      return `the table has no ${Object.keys(row as object)
        .filter((name) => !shape.fields.includes(name))
        .map((name) => JSON.stringify(name))
        .join(', ')}`;
    case 'id_invalid':
      return `its id ${value('id')} is not a positive whole number`;
    case 'id_duplicate':
      return `an earlier row holds the id ${holder ?? value('id')}`;
    case 'name_empty':
      return 'its name is empty once trimmed';
    case 'name_too_long':
      return 'its name is over 200 characters';
    case 'email_invalid':
      return `${value('email')} is not a valid email address`;
    case 'email_duplicate':
      return `${String(field(row, 'email'))} was taken by ${singular[rejected.table]} ${holder ?? 'an earlier row'}`;
    case 'price_negative':
      return `its price ${value('price')} is below zero`;
    case 'price_invalid':
      return `its price ${value('price')} is not finite, has more than 2 decimals, or is over 1,000,000,000`;
    case 'quantity_invalid':
      return `its quantity ${value('quantity')} is not a whole number up to 1,000,000`;
    case 'quantity_not_positive':
      return `its quantity ${value('quantity')} is below 1`;
    case 'row_too_large':
      return 'its JSON is over 16,711,680 bytes, too large for a message';
    case 'run_abandoned':
      return 'it was held back by a run given up with --keep --abandon';
    case 'user_missing':
    case 'product_missing':
      // Not met here: a reference's reason is explained from its owner's side.
      return 'the node that owns it does not hold the row it names';
    default:
      return reason satisfies never;
  }
}

function field(row: unknown, name: string): unknown {
  return typeof row === 'object' && row !== null && !Array.isArray(row) ? (row as Record<string, unknown>)[name] : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

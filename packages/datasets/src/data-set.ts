import { basename } from 'node:path';
import { NODES, type NodeName } from '@dbsim/protocol';
import { generate } from './generate.js';
import { loadDataSet } from './load.js';
import type { DataSource } from './source.js';
import { type OnMalformed, openTableFiles } from './table-files.js';

/** Where a run's rows come from: one data file, one file per table, or the seeded generator. */
export type DataSpec =
  | { kind: 'file'; file: string }
  | { kind: 'tables'; files: Record<NodeName, string> }
  | { kind: 'generate'; sizes: Record<NodeName, number>; invalidRate: number; seed: number };

/** Opens a data set; a file that cannot be used is one UsageError, raised before any run touches anything. */
export async function openDataSet(data: DataSpec, onMalformed: OnMalformed): Promise<DataSource> {
  if (data.kind === 'file') return loadDataSet(data.file);
  if (data.kind === 'tables') return openTableFiles(data.files, onMalformed);
  return generate(data);
}

/** A data set in a few words, for the summary. */
export function describeDataSet(data: DataSpec): string {
  if (data.kind === 'file') return basename(data.file);
  if (data.kind === 'tables') return NODES.map((n) => `${n}=${basename(data.files[n])}`).join(',');
  const { sizes, invalidRate, seed } = data;
  return `generated ${NODES.map((n) => `${n}=${sizes[n].toLocaleString('en-US')}`).join(',')} (invalid rate ${invalidRate}, seed ${seed})`;
}

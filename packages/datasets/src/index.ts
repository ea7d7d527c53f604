export * from './data-set.js';
export * from './export.js';
export * from './generate.js';
export * from './json-bytes.js';
export * from './load.js';
export * from './random.js';
export * from './source.js';
export * from './table-files.js';

export * from './fs-errors.js';
export * from './heap.js';
export * from './main.js';
export * from './paths.js';

export * from './heap.js';
export * from './main.js';
export * from './paths.js';

export * from './main.js';
export * from './paths.js';

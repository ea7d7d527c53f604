export * from './lines.js';
export * from './reader.js';
export * from './writer.js';

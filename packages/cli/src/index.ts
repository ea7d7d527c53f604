export * from './closest.js';
export * from './command.js';
export * from './fs-errors.js';
export * from './heap.js';
export * from './lock.js';
export * from './main.js';
export * from './paths.js';
export * from './values.js';

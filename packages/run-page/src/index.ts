export * from './explain.js';
export * from './explain-row.js';
export * from './in-browser.js';
export * from './page.js';
export * from './page-data.js';
export * from './report.js';
export * from './serve.js';

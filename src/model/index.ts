/** The model: types shared by every part, with no I/O. */
export * from './target.js';
export * from './app.js';
export * from './vantage.js';
export * from './failure.js';
export * from './measurement.js';
export * from './verdict.js';
export * from './fingerprint.js';
export * from './config.js';
export * from './canary.js';

export * from './clock.js';
export * from './common.js';
export * from './engine.js';
export * from './notifier.js';
export * from './secrets.js';
export * from './source.js';
export * from './state.js';
export * from './target.js';

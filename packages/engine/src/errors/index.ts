export * from './catalogue.js';
export * from './engine.js';
export * from './operations.js';
export * from './public.js';

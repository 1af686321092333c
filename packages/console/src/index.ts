export * from './console-state.ts';

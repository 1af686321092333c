#!/usr/bin/env node
// The `orderflow` executable. Plain JavaScript on purpose: an older Node refuses the .ts entry point with a stack
// trace (ERR_UNKNOWN_FILE_EXTENSION), so the version is checked here, where any Node can run, before it is loaded.
import './require-node24.mjs';

await import('../src/bin.ts');

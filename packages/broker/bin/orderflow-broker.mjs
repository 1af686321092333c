#!/usr/bin/env node
// The `orderflow-broker` executable. Plain JavaScript on purpose: an older Node refuses the .ts entry point with a
// stack trace (ERR_UNKNOWN_FILE_EXTENSION), so the version is checked here, where any Node can run.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `orderflow-broker needs Node.js 24 or newer (this is ${process.version}); run it with npx or install Node 24.`,
  );
  process.exit(1);
}
await import('../src/bin.ts');

// Plain JavaScript on purpose: this must parse and run on any Node version, so that an old Node fails with one clear
// line instead of an error about the TypeScript entry point. Importing it is the check.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `orderflow needs Node.js 24 or newer (this is ${process.version}). Run it through npm (npm start, npm test, ` +
      'npx orderflow), which uses the Node 24 installed by `npm install`, or install Node 24 (`nvm use` reads .nvmrc).',
  );
  process.exit(1);
}

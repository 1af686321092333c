// The `orderflow` command. Until the launcher lands, `up` says so plainly instead of pretending to run.
const [command] = process.argv.slice(2);
if (command === 'up' || command === undefined) {
  console.error('orderflow up: not yet — the launcher (issue "One command to run it all") has not landed.');
  process.exit(1);
}
console.error(`orderflow: unknown command '${command}'`);
process.exit(2);

// Stand-in for node:assert in the bundle. yargs' platform shim takes only strictEqual and
// notStrictEqual from it, for internal sanity checks; loading node:assert itself costs every command
// that goes through yargs ~5 ms (it creates process.stderr and loads the colour support).
export class AssertionError extends Error {}

export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) throw new AssertionError(message ?? `Expected values to be strictly equal: ${String(actual)} !== ${String(expected)}`);
}

export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) throw new AssertionError(message ?? `Expected "actual" to be strictly unequal to: ${String(expected)}`);
}

export default { AssertionError, strictEqual, notStrictEqual };

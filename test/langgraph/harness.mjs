// The tiny test harness of the Node unit tests in test/langgraph: `test`
// runs one case and prints ok/FAIL; `failed` counts the failures.
let failures = 0;

/** Runs the case \p fn named \p name; a thrown error is its failure. */
export async function test(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack}`);
  }
}

/** How many cases failed so far. */
export const failed = () => failures;

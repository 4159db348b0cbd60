// Writes each project's test counts to .run/jest/<project>.json, for the closing line of npm test.
const { mkdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  onRunComplete(contexts, results) {
    const [context] = contexts;
    const project = context?.config.displayName?.name ?? path.basename(process.cwd());
    const dir = path.join(__dirname, '..', '.run', 'jest');
    mkdirSync(dir, { recursive: true });
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites } = results;
    writeFileSync(
      path.join(dir, `${project}.json`),
      JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTodoTests, numRuntimeErrorTestSuites }),
    );
  }
}

module.exports = ResultsReporter;

import { runSaga } from './program';

// `saga …`: exits with the code runSaga settles on (see ExitCode).
void runSaga(process.argv.slice(2), { error: (text) => process.stderr.write(text) }).then((code) => {
  process.exitCode = code;
});

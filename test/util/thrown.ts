/** The error `run` throws (failing the test if it throws none), for asserting on its fields. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

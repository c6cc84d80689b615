import { InputError } from '../../lib/errors';

/** The InputError `f` throws; any other exception, or none, fails the test. */
export function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no error');
}

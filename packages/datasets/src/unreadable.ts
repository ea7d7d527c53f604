import { fsProblem, UsageError } from '@dbsim/cli';

/** The one error for a data file that cannot be read: its path, and what is wrong with it in words. */
export function unreadable(file: string, problem: unknown): UsageError {
  return new UsageError(`cannot read data file ${file}: ${typeof problem === 'string' ? problem : fsProblem(problem)}`, { cause: problem });
}

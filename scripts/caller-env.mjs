// The environment for what the root scripts start, with DBSIM_CALLER_CWD set
// to the folder the user typed the command in: pnpm resets INIT_CWD for the
// nested `pnpm run` that turbo starts, and relative paths such as --data
// must resolve against the user's folder, not a package's.
export function callerEnv() {
  const callerCwd = process.env.DBSIM_CALLER_CWD ?? process.env.INIT_CWD ?? process.cwd();
  return { ...process.env, DBSIM_CALLER_CWD: callerCwd };
}

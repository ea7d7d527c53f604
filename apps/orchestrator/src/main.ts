import { runMain } from '@dbsim/cli';
import { parseOptions } from './options.js';
import { simulate } from './simulate.js';

runMain('simulate', async () => {
  await simulate(parseOptions(process.argv.slice(2)));
  return 0;
});

import { runMain } from '@dbsim/cli';
import { DURABILITIES, type Durability } from '@dbsim/protocol';
import { baseline } from './baseline.js';

// The baseline runs in a process of its own, so that its speed and its peak RSS are its own.
runMain('baseline', async () => {
  const [from, to, durability] = process.argv.slice(2);
  if (from === undefined || to === undefined || !DURABILITIES.includes(durability as Durability))
    throw new Error('usage: baseline FROM TO normal|full');
  process.stdout.write(`${JSON.stringify(baseline(from, to, durability as Durability))}\n`);
  return 0;
});

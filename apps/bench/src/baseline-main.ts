import { runMain } from '@dbsim/cli';
import { baseline } from './baseline.js';

// The baseline runs in a process of its own, so that its speed and its peak RSS are its own.
runMain('baseline', async () => {
  const [from, to, durability] = process.argv.slice(2);
  if (from === undefined || to === undefined || durability === undefined) throw new Error('usage: baseline FROM TO DURABILITY');
  process.stdout.write(`${JSON.stringify(baseline(from, to, durability))}\n`);
  return 0;
});

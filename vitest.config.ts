import { defineConfig } from 'vitest/config';

const sources = '{apps,packages}/*/src/**';

/**
 * Each workspace package exports its TypeScript source under this condition
 * (beside dist/ for Node): unit tests import one another's packages from
 * source, so they need no build and never see a stale one.
 */
const conditions = ['@dbsim/source', 'node', 'import', 'default'];

/**
 * Two projects: unit tests run straight from the source; end-to-end tests
 * (*.e2e.test.ts) run the real, built processes, so `dist/` must be built
 * first. `pnpm test` runs both, `pnpm test:unit` the first alone.
 */
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: conditions } },
        test: { name: 'unit', include: [`${sources}/*.test.ts`], exclude: [`${sources}/*.e2e.test.ts`], sequence: { groupOrder: 0 } },
      },
      // They mostly wait on child processes: more of them at once than there are cores.
      {
        test: {
          name: 'e2e',
          include: [`${sources}/*.e2e.test.ts`, 'scripts/*.e2e.test.ts'],
          benchmark: { include: [] },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          maxWorkers: 4,
          // After the unit tests, which are quick: a broken build shows there first.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});

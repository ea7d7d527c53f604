#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  closest,
  command,
  defaultDatabasesDir,
  Option,
  oneOf,
  parse,
  port,
  positiveNumber,
  runMain,
  UsageError,
  userPath,
  wholeNumber,
  writableFolder,
} from '@dbsim/cli';
import { EXPORT_FORMATS, exportDataSet, generate, parseSizes } from '@dbsim/datasets';
import { ordersNode } from '@dbsim/orders-node';
import { productsNode } from '@dbsim/products-node';
import { NodeName, ORCHESTRATOR, perNode, REASONS } from '@dbsim/protocol';
import { explainRow, serveRunPage } from '@dbsim/run-page';
import { usersNode } from '@dbsim/users-node';
import { printLogs } from './logs.js';
import { lookup, type NodeOptions, query, sendRows, status } from './node-commands.js';

const APPS = { users: usersNode, products: productsNode, orders: ordersNode };

/** The options every command on a node takes. */
function nodeOptions() {
  return [
    new Option('--dir <dir>', 'the folder the node runs on, where its socket is (default: databases/)'),
    new Option('--json', 'print the answer as JSON'),
    new Option('--timeout <ms>', 'give up on a node that does not answer within this long').argParser(positiveNumber).default(10_000),
  ];
}

const options = (values: { dir?: string; json?: boolean; timeout: number }): NodeOptions => ({
  dir: values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir),
  json: values.json === true,
  timeout: values.timeout,
});

const NODE = 'NODE is users, products or orders (its socket in --dir) or an address: a socket path, or tcp://HOST:PORT';

/** A table named on the command line: users, products or orders. */
function tableName(text: string): NodeName {
  const parsed = NodeName.safeParse(text);
  if (parsed.success) return parsed.data;
  const near = closest(text, NodeName.options);
  throw new UsageError(`there is no table '${text}': it is users, products or orders${near ? ` (did you mean ${near}?)` : ''}`);
}

runMain('dbsim', async () => {
  const dbsim = command('dbsim', 'Look inside nodes and runs: ask a node, send it rows, query its file, read a run’s log.');
  dbsim.addHelpText('after', `\n${NODE}.`);
  const add = (name: string, description: string) => dbsim.command(name).description(description);

  const withNodeOptions = (sub: ReturnType<typeof add>) => {
    for (const option of nodeOptions()) sub.addOption(option);
    return sub;
  };
  withNodeOptions(add('status <node>', 'pid, uptime, rows, rejected rows and high-water mark of a running node')).action((node, values) =>
    status(node, options(values)),
  );
  withNodeOptions(add('send <node> <rows>', 'insert rows (a JSON array or object, or a file of one) and print each row’s fate')).action(
    (node, rows, values) => sendRows(node, rows, options(values)),
  );
  withNodeOptions(add('lookup <node> <ids>', 'which of these ids (comma-separated) the node holds now')).action((node, ids, values) =>
    lookup(node, ids, options(values)),
  );
  withNodeOptions(
    add('query <node> <sql>', 'a read-only SQL query on a node’s file: through the node when it runs, from the file when not'),
  )
    .addOption(new Option('--limit <rows>', 'show at most this many rows').argParser(positiveNumber).default(1000))
    .action((node, sql, values) => query(node, sql, { ...options(values), limit: values.limit }));

  add('logs [dir]', 'a run’s log (DIR/simulate.log), pretty, and only the lines the filters keep')
    .addOption(new Option('--rejected', 'only the rejected rows'))
    .addOption(
      new Option('--node <node>', 'only the lines a process wrote, or that are about it').choices([...NodeName.options, ORCHESTRATOR]),
    )
    .addOption(new Option('--table <table>', 'only the lines about a table').choices(NodeName.options))
    .addOption(new Option('--id <id>', 'only the rejected rows with this id'))
    .addOption(
      new Option('--reason <code>', 'only the rejected rows with this reason (a code of the README’s table)').argParser(oneOf(REASONS)),
    )
    .addOption(new Option('--run <n>', 'only the lines of this run').argParser(positiveNumber))
    .addOption(new Option('--follow', 'keep printing the lines a run is writing, until Ctrl-C'))
    .action(async (dir: string | undefined, values) => {
      const follow = values.follow ? new AbortController() : undefined;
      if (follow) process.once('SIGINT', () => follow.abort());
      const folder = dir === undefined ? defaultDatabasesDir() : userPath(dir);
      const filter = { rejected: values.rejected === true, ...values };
      const printed = await printLogs(folder, filter, process.stdout, follow?.signal);
      const filtered = Object.keys(values).some((key) => key !== 'follow');
      if (printed === 0 && follow === undefined)
        process.stderr.write(`no line of ${join(folder, 'simulate.log')}${filtered ? ' matches these filters' : ''}\n`);
    });

  add('explain <table> <id>', 'why the row of a table with this id was rejected, across nodes; or that it was inserted, or never seen')
    .addOption(new Option('--dir <dir>', 'the run’s folder (default: databases/)'))
    .action(async (table: string, id: string, values: { dir?: string }) => {
      const dir = values.dir === undefined ? defaultDatabasesDir() : userPath(values.dir);
      for (const line of await explainRow(dir, tableName(table), id.trim())) process.stdout.write(`${line}\n`);
    });

  add('view [dir]', 'serve a run’s page on localhost: live while the run goes, every rejected row in its explorer')
    .addOption(new Option('--port <port>', 'the port (0: a free one)').argParser(port).default(0))
    .action(async (dir: string | undefined, values: { port: number }) => {
      const folder = dir === undefined ? defaultDatabasesDir() : userPath(dir);
      if (!existsSync(join(folder, 'run.json'))) throw new UsageError(`there is no run in ${folder} (no run.json)`);
      const page = await serveRunPage(folder, values.port);
      process.stdout.write(`${page.url}\n`);
      process.stderr.write(`dbsim: serving the page of the run in ${folder} until Ctrl-C\n`);
      await new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await page.close();
    });

  add('export', 'write a generated data set as one file per table, for --data users=FILE,products=FILE,orders=FILE')
    .requiredOption('--generate <sizes>', 'how many rows: users=N,products=M,orders=K')
    .requiredOption('--out <dir>', 'the folder the files go to')
    .addOption(
      new Option('--format <format>', 'NDJSON keeps every row exactly; CSV cannot carry some bad rows')
        .choices(EXPORT_FORMATS)
        .default('ndjson'),
    )
    .addOption(new Option('--invalid-rate <share>', 'the share of rows made invalid, 0 to 1').default(0.05))
    .addOption(new Option('--seed <n>', 'the same seed gives the same rows').argParser(wholeNumber).default(1))
    .action(async (values) => {
      const invalidRate = Number(values.invalidRate);
      if (!(invalidRate >= 0 && invalidRate <= 1))
        throw new UsageError(`--invalid-rate takes a number from 0 to 1, not ${values.invalidRate}`);
      const source = generate({ sizes: parseSizes(values.generate), invalidRate, seed: values.seed });
      const out = userPath(values.out);
      writableFolder(out, '--out');
      const fields = perNode((node) => Object.keys(APPS[node].spec.fields));
      const written = await exportDataSet(source, out, values.format, fields);
      const files = perNode((node) => `${out}/${node}.${values.format}`);
      for (const node of NodeName.options)
        process.stdout.write(`${files[node]}\t${written[node].toLocaleString('en-US')} ${written[node] === 1 ? 'row' : 'rows'}\n`);
    });

  // Reached with no command, or with one that is none of the above.
  const names = dbsim.commands.map((sub) => sub.name());
  dbsim
    .usage('[options] [command]')
    .argument('[command...]')
    .action(([name]: string[]) => {
      if (name === undefined) throw new UsageError(`give a command: ${names.join(', ')} (see --help)`);
      const near = closest(name, names);
      throw new UsageError(`unknown command '${name}'${near ? ` (did you mean ${near}?)` : ''}`);
    });
  await parse(dbsim);
  return 0;
});

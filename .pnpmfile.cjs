// node-gyp cannot download Node's headers here, and pnpm passes only a few
// environment variables to build scripts: point native builds (better-sqlite3)
// at the headers of the Node that runs pnpm, when that install ships them.
const fs = require('node:fs');
const path = require('node:path');

function updateConfig(config) {
  const prefix = path.dirname(path.dirname(process.execPath));
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
    config.extraEnv = { ...config.extraEnv, npm_config_nodedir: prefix };
  }
  return config;
}

module.exports = { hooks: { updateConfig } };

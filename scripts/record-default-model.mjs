// Adds the ids of model files to web/models/earlier-default-models.json, which lets the page
// keep the enrolments made with an earlier default model whose network the current one shares.
//   node scripts/record-default-model.mjs FILE...
// scripts/train-default-model.sh runs it on each default model it writes. Needs the WebAssembly
// module in web/wasm/ (scripts/build.sh).
import { readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import { loadModule, root } from '../tests/wasm/load-module.mjs';
import { NETWORK_ID_PREFIX, fnv1aId, sha256Id } from '../web/model-id.mjs';

const listFile = join(root, 'web', 'models', 'earlier-default-models.json');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node scripts/record-default-model.mjs FILE...');
  process.exit(2);
}
let module;
try {
  module = await loadModule();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

// Both forms of each id, because the page computes FNV-1a ids where SHA-256 is not available.
const idsOf = async (bytes) => [await sha256Id(bytes), fnv1aId(bytes)];

const list = existsSync(listFile) ? JSON.parse(readFileSync(listFile, 'utf8')) : [];
for (const file of files) {
  let bytes;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (error) {
    console.error(`${file}: not recorded, the file cannot be read: ${error.message}`);
    process.exitCode = 1;
    continue;
  }
  let model;
  try {
    model = new module.Model(bytes);
  } catch (error) {
    console.error(`${file}: not recorded, the module cannot load it: ${error.message}`);
    process.exitCode = 1;
    continue;
  }
  const fileIds = await idsOf(bytes);
  const networkIds = (await idsOf(model.networkBytes())).map((id) => NETWORK_ID_PREFIX + id);
  model.delete();
  if (list.some((entry) => entry.fileIds[0] === fileIds[0])) {
    console.log(`${file}: already recorded`);
    continue;
  }
  list.push({ fileIds, networkIds });
  console.log(`${file}: recorded ${fileIds[0]}`);
}
// Written beside the list, then renamed, so that an interrupted run leaves the old list whole.
writeFileSync(`${listFile}.tmp`, JSON.stringify(list, null, 2) + '\n');
renameSync(`${listFile}.tmp`, listFile);

// Enrolments are stored under the id of the model's network, so a default model whose fusion
// or threshold changed keeps them. Enrolments of earlier versions, stored under the id of the
// whole model file, stay valid while that file, or an earlier default with the same network
// (web/models/earlier-default-models.json), is the one in use.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import {
  assertClean,
  clearEnrolments,
  enrolScribbles,
  loadPage,
  makeScribble,
  openPage,
  readEnrolments,
  replaySignature,
  textOf,
  usePageSession,
  WEB_ROOT,
  writeEnrolmentRecords,
} from './helpers.mjs';

const env = usePageSession();
const defaultBytes = fs.readFileSync(path.join(WEB_ROOT, 'models', 'default.inkprint'));
const earlierModels = JSON.parse(
  fs.readFileSync(path.join(WEB_ROOT, 'models', 'earlier-default-models.json'), 'utf8'),
);
const sha256Id = (bytes) => 'sha256:' + createHash('sha256').update(bytes).digest('hex');

// CRC-32 (IEEE 802.3), which closes a model file.
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Returns a copy of the model file `bytes` whose JSON description gets one more field: the same
// network, another file.
function withOtherDescription(bytes) {
  return withDescription(bytes, (description) => JSON.stringify({ ...JSON.parse(description), refitted: true }));
}

// Returns a copy of the model file `bytes` whose description text is replaced by
// change(description), with the CRC computed again. The description is the last field before
// the CRC, after its length.
function withDescription(bytes, change) {
  const view = Buffer.from(bytes);
  for (let length = 2; length + 8 <= view.length; length += 1) {
    const start = view.length - 4 - length;
    if (view.readUInt32LE(start - 4) !== length || view[start] !== 0x7b) {
      continue;
    }
    const text = Buffer.from(change(view.subarray(start, view.length - 4).toString('utf8')), 'utf8');
    const body = Buffer.concat([view.subarray(0, start - 4), Buffer.alloc(4), text]);
    body.writeUInt32LE(text.length, start - 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(body));
    return Buffer.concat([body, crc]);
  }
  throw new Error('no description found in the model file');
}

// Checks that each of `people`, enrolled with 3 signatures, gets a verdict for a new signature.
async function assertEnrolmentsVerify(page, people) {
  for (const person of people) {
    await page.fill('#person', person);
    assert.equal(await textOf(page, '#enrol-count'), '3 of 5 enrolment signatures', person);
    await replaySignature(page, makeScribble(5));
    await page.click('#verify');
    assert.notEqual(await page.getAttribute('#message', 'data-kind'), 'error', await textOf(page, '#message'));
    assert.match(await page.getAttribute('#result', 'data-verdict'), /^(genuine|forgery)$/, person);
  }
}

test('enrolments outlive a refitted default model', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await page.goto(env.server.url);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));

  await enrolScribbles(page, 'ada', 3);
  const ada = (await readEnrolments(page)).ada;
  assert.match(ada.modelId, /^network-sha256:[0-9a-f]{64}$/);

  // Stored by an earlier version under the current file's id, and under an earlier default's
  // file id whose network differs.
  const fileId = sha256Id(defaultBytes);
  const current = earlierModels.find((entry) => entry.fileIds.includes(fileId));
  assert.ok(current !== undefined, 'the current default model is in earlier-default-models.json');
  assert.deepEqual(current.networkIds[0], ada.modelId, 'the page and the list agree on the network id');
  const other = earlierModels.find((entry) => !entry.networkIds.includes(ada.modelId));
  assert.ok(other !== undefined, 'the list has a model with another network');
  await writeEnrolmentRecords(page, [
    { ...ada, person: 'bo', modelId: fileId },
    { ...ada, person: 'cy', modelId: other.fileIds[0] },
  ]);

  // The default model file changes, but not its network.
  const refitted = withOtherDescription(defaultBytes);
  assert.notEqual(sha256Id(refitted), fileId);
  await page.route('**/models/default.inkprint', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: refitted }),
  );
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));
  assert.match(await textOf(page, '#model-details'), /"refitted": true/);

  await assertEnrolmentsVerify(page, ['ada', 'bo']);

  // Enrolling more keeps the id the enrolment was started under.
  await enrolScribbles(page, 'bo', 1, 3);
  assert.equal((await readEnrolments(page)).bo.modelId, fileId);

  await page.fill('#person', 'cy');
  assert.match(await textOf(page, '#enrol-count'), /made with another model/);
  assertClean(page);
});

// Outside a secure context crypto.subtle is missing and the page takes FNV-1a ids, which the
// list of earlier defaults carries too. Loopback is a secure context, so the test removes it.
test('enrolments without SubtleCrypto use FNV-1a ids', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  await page.addInitScript(() => {
    Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });
  });
  await page.goto(env.server.url);
  assert.equal(await page.evaluate(() => globalThis.crypto.subtle), undefined);
  await clearEnrolments(page);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));

  await enrolScribbles(page, 'ada', 3);
  const ada = (await readEnrolments(page)).ada;
  const current = earlierModels.find((entry) => entry.fileIds.includes(sha256Id(defaultBytes)));
  assert.ok(current !== undefined, 'the current default model is in earlier-default-models.json');
  const fnvNetworkId = current.networkIds.find((id) => id.startsWith('network-fnv1a32:'));
  assert.equal(ada.modelId, fnvNetworkId, 'the page and the list agree on the FNV-1a network id');

  // Stored by an earlier version under the current file's FNV-1a id, and under the FNV-1a id of
  // an earlier default whose network differs.
  const fnvFileId = current.fileIds.find((id) => id.startsWith('fnv1a32:'));
  const other = earlierModels.find((entry) => !entry.networkIds.includes(ada.modelId));
  assert.ok(other !== undefined, 'the list has a model with another network');
  await writeEnrolmentRecords(page, [
    { ...ada, person: 'bo', modelId: fnvFileId },
    { ...ada, person: 'cy', modelId: other.fileIds.find((id) => id.startsWith('fnv1a32:')) },
  ]);
  assert.equal(await loadPage(page, env.server.url), 'ready', await textOf(page, '#message'));

  await assertEnrolmentsVerify(page, ['ada', 'bo']);
  await page.fill('#person', 'cy');
  assert.match(await textOf(page, '#enrol-count'), /made with another model/);
  assertClean(page);
});

test('damaged descriptions are refused at import', async (t) => {
  const page = await openPage(env.browser.context, env.server.origin);
  t.after(() => page.close());
  assert.equal(await loadPage(page, env.server.url), 'ready');
  await page.waitForSelector('#training[data-models="ready"]');
  const before = await page.getAttribute('#model-list', 'data-count');
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inkprint-description-'));
  t.after(() => fs.rmSync(folder, { recursive: true, force: true }));

  const cases = [
    {
      name: 'huge-threshold.inkprint',
      change: (text) => {
        const description = JSON.parse(text);
        description.fusion.threshold = 1e30;
        return JSON.stringify(description);
      },
      expected: /^Import failed: \u2068huge-threshold\.inkprint\u2069: .*fusion parameter threshold is 1e\+30/,
    },
    {
      name: 'not-json.inkprint',
      change: () => '{{{ not json',
      expected: /^Import failed: \u2068not-json\.inkprint\u2069: model description, at character 1: expected a string; train the model again or fix its description\.$/,
    },
  ];
  for (const { name, change, expected } of cases) {
    const file = path.join(folder, name);
    fs.writeFileSync(file, withDescription(defaultBytes, change));
    await page.evaluate(() => {
      document.getElementById('model-message').textContent = '';
    });
    await page.setInputFiles('#model-import-file', file);
    await page.waitForSelector('#model-message[data-kind="error"]');
    assert.match(await textOf(page, '#model-message'), expected, name);
    assert.equal(await page.getAttribute('#model-list', 'data-count'), before, name);
  }
  assertClean(page);
});

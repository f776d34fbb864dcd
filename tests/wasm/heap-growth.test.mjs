// Arrays returned by the module must stay valid after its memory grows. Growing a WebAssembly
// memory detaches every view of the old buffer (its length becomes 0), so a binding that
// returned a view into the heap instead of a copy would fail here.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultModelBytes, loadModule, wave } from './load-module.mjs';

// Trains a tiny model on synthetic writers for one short epoch. Returns the Trainer.
function trainTinyModel(mod) {
  const trainer = new mod.Trainer();
  for (let writer = 0; writer < 3; writer += 1) {
    const genuine = [0, 1, 2].map((copy) => wave(120, writer * 5 + copy * 0.2));
    const forgeries = [wave(120, writer * 5 + 2.5)];
    trainer.addWriter(`writer ${writer}`, writer < 2 ? 'train' : 'validation', 1, genuine, forgeries);
  }
  trainer.configure({ epochs: 1, pairsPerEpoch: 32, augmentedCopies: 0 });
  while (!trainer.run(10).finished) {
    // Runs to the end of the epoch.
  }
  return trainer;
}

test('returned arrays survive heap growth', async () => {
  const mod = await loadModule('inkprint-train');
  {
    const model = new mod.Model(defaultModelBytes());
    const trainer = trainTinyModel(mod);
    const svc2004 = '3\n100 200 0 1\n110 205 10 1\n125 215 20 1\n';

    const returned = {
      embedding: model.embed(wave(300, 1)),
      reference: mod.makeReference(model.embed(wave(300, 2)), model.embeddingSize()),
      features: mod.computeFeatures(wave(300, 3)),
      parsed: mod.parseSvc2004(svc2004),
      read: mod.readSvc2004Text(svc2004, 'U1S1.TXT'),
      ink: mod.parseInk('svc2004', svc2004, 'U1S1.TXT').points,
      modelBytes: trainer.modelBytes(),
    };
    const explanation = model.explain(returned.reference, wave(300, 4));
    for (const name of ['stepContributions', 'stepWindows', 'sampleContributions', 'sampleLocalScores', 'samplePositions']) {
      returned[name] = explanation[name];
    }
    for (const name of ['speed', 'pressure', 'penDown']) {
      returned[`profile ${name}`] = explanation.profile[name];
    }
    const copies = Object.fromEntries(Object.entries(returned).map(([name, array]) => [name, Array.from(array)]));
    for (const [name, array] of Object.entries(returned)) {
      assert.ok(array.length > 0, `${name} is empty before the heap grows`);
    }

    // A view of the heap, as a binding must not return: it is detached by the growth below.
    const heapView = new Uint8Array(mod.HEAPU8.buffer, 0, 16);
    const heapBefore = mod.HEAPU8.length;

    // Twelve signatures of 100,000 points (the limit), at 32 bytes per point, take 38 MB in a Trainer.
    // Their samples are 1 ms apart, so that each lasts 100 s, within what training accepts.
    const fast = (points) => {
      for (let i = 2; i < points.length; i += 5) points[i] /= 10;
      return points;
    };
    const grower = new mod.Trainer();
    for (let writer = 0; writer < 4; writer += 1) {
      const signatures = [0, 1, 2].map((copy) => fast(wave(100_000, writer + copy)));
      grower.addWriter(`long writer ${writer}`, 'train', 1, signatures, []);
    }
    const heapAfter = mod.HEAPU8.length;
    assert.ok(heapAfter > heapBefore, `the heap did not grow: ${heapBefore} bytes before, ${heapAfter} after`);
    assert.equal(heapView.length, 0, 'a view of the old heap is detached by the growth');

    for (const [name, array] of Object.entries(returned)) {
      assert.deepEqual(Array.from(array), copies[name], `${name} changed when the heap grew`);
    }
    // The returned model file still loads, and the trainer returns the same bytes after the growth.
    const reloaded = new mod.Model(returned.modelBytes);
    assert.equal(reloaded.embeddingSize(), 16);
    assert.deepEqual(Array.from(trainer.modelBytes()), copies.modelBytes);

    // Results computed after the growth match those computed before it.
    assert.deepEqual(Array.from(model.embed(wave(300, 1))), copies.embedding);

    reloaded.delete();
    grower.delete();
    trainer.delete();
    model.delete();
  }
});

// Every binding must free what it allocates, on success and on error. After a warm-up, many
// more calls must leave the bytes that malloc has handed out (heapBytesInUse) and the number of
// JavaScript values held by the module where they were. A binding that took a std::string
// argument failed this on its error path, because embind frees the buffer it passes the string
// in only when the call returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { defaultModelBytes, loadModule, wave } from './load-module.mjs';

const WARM_UP_ROUNDS = 20;
const ROUNDS = 300;

// Calls `action` and ignores the Error it is expected to throw.
function failing(action) {
  try {
    action();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    return;
  }
  assert.fail('the call did not throw');
}

test('bindings free what they allocate', async () => {
  const mod = await loadModule('inkprint-train');
  const model = new mod.Model(defaultModelBytes());
  const reference = mod.makeReference(model.embed(wave(300, 1)), model.embeddingSize());
  const svc2004 = '3\n100 200 0 1\n110 205 10 1\n125 215 20 1\n';
  const ink = mod.parseInk('svc2004', svc2004, 'U1S1.TXT');
  const notFinite = wave(50, 0);
  notFinite[1] = Number.NaN;

  // One round calls every binding that the page and its workers use, with valid and invalid
  // input. The lengths vary within a round and repeat from round to round.
  const round = (index) => {
    const points = wave([20, 300, 3000][index % 3], index % 5);
    model.embed(points);
    model.verify(reference, points);
    model.explain(reference, points);
    model.profile(points);
    mod.computeFeatures(points);
    mod.makeReference(new Float32Array(32).fill(0.5), 16);
    mod.cosine(reference, reference);
    mod.trajectoryDistance(points, wave(300, 2));
    mod.replayLimit([points, wave(300, 2)]);
    mod.parseSvc2004(svc2004);
    mod.readSvc2004Text(svc2004, 'U1S1.TXT');
    mod.parseInk('svc2004', svc2004, 'U1S1.TXT');
    mod.writeInk('json', ink.points, ink.pointerTypes);
    model.describe();
    new mod.Model(defaultModelBytes()).delete();

    failing(() => model.embed(new Float64Array(0)));
    failing(() => model.verify(reference, notFinite));
    failing(() => model.explain(new Float32Array(3), points));
    failing(() => mod.makeReference(new Float32Array(3), 2));
    failing(() => mod.parseSvc2004('3\n1 2 3 0\n'));
    failing(() => mod.parseInk('json', '{', 'broken.json'));
    failing(() => new mod.Model(new Uint8Array(100)));
    failing(() => mod.readSvc2004Text('3\n1 2 3 0\n', 'U1S1.TXT'));
    failing(() => mod.writeInk('pdf', ink.points, ink.pointerTypes));
    failing(() => mod.parseSvc2004(42));
    const trainer = new mod.Trainer();
    failing(() => trainer.addWriter('writer', 'coach', 1, [], []));
    failing(() => trainer.run(1));
    trainer.delete();
  };

  for (let index = 0; index < WARM_UP_ROUNDS; index += 1) round(index);
  const bytesAfterWarmUp = mod.heapBytesInUse();
  const handlesAfterWarmUp = mod.count_emval_handles();
  for (let index = WARM_UP_ROUNDS; index < WARM_UP_ROUNDS + ROUNDS; index += 1) round(index);

  assert.equal(mod.heapBytesInUse(), bytesAfterWarmUp, 'bytes in use after the warm-up and at the end');
  assert.equal(mod.count_emval_handles(), handlesAfterWarmUp, 'JavaScript values held by the module');
  model.delete();
});

test('a leaked model shows in the bytes in use', async () => {
  const mod = await loadModule('inkprint-train');
  const before = mod.heapBytesInUse();
  const leaked = new mod.Model(defaultModelBytes());
  assert.ok(mod.heapBytesInUse() > before, 'a live model takes no heap');
  leaked.delete();
  assert.equal(mod.heapBytesInUse(), before);
});

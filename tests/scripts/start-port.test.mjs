// scripts/start.sh checks PORT before it installs and builds anything, so a mistyped port is
// reported at once. These runs end at that check and start nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const start = new URL('../../scripts/start.sh', import.meta.url).pathname;

for (const port of ['abc', '80a', '65536', '-1', '18446744073709551616']) {
  test(`start.sh rejects PORT=${port}`, () => {
    const run = spawnSync('bash', [start], { env: { ...process.env, PORT: port }, encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(
      run.stderr,
      `start: PORT is '${port}': use a whole number from 0 to 65535 (0 picks a free port)\n`,
    );
    assert.equal(run.stdout, '');
  });
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { efficiencyModeChosen, gcThreadsChosen } from '../../src/agent/efficiency-mode.ts';

const run = promisify(execFile);
const MODULE = new URL('../../src/agent/efficiency-mode.ts', import.meta.url).href;
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

/** Runs `script` as an ES module in a child Node that can ask V8 whether efficiency mode is on. */
async function childSays(script: string, flags: readonly string[] = []): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', script],
    { timeout: 30_000 },
  );
  return stdout.trim().split('\n').at(-1) ?? '';
}

describe('efficiency mode', () => {
  it('recognises every spelling of the V8 flag as the user choosing', () => {
    for (const flag of [
      '--efficiency-mode',
      '--efficiency_mode',
      '--no-efficiency-mode',
      '--efficiency-mode=false',
    ]) {
      assert.equal(efficiencyModeChosen(['--trace-warnings', flag]), true, flag);
    }
    assert.equal(efficiencyModeChosen([]), false);
    assert.equal(efficiencyModeChosen(['--efficiency-mode-delay-turbofan=10']), false);
    for (const flag of [
      '--single-threaded-gc-in-background',
      '--no-single-threaded-gc-in-background',
      '--single_threaded_gc_in_background=false',
    ]) {
      assert.equal(gcThreadsChosen([flag]), true, flag);
    }
    assert.equal(gcThreadsChosen(['--single-threaded-gc']), false);
  });

  it('turns it on in a process that did not choose', async () => {
    const said = await childSays(
      `const { enterEfficiencyMode } = await import(${JSON.stringify(MODULE)});
       const before = %IsEfficiencyModeEnabled();
       const entered = enterEfficiencyMode();
       console.log(JSON.stringify([before, entered, %IsEfficiencyModeEnabled()]));`,
    );
    assert.deepEqual(JSON.parse(said), [false, true, true]);
  });

  it('leaves a process started with --no-efficiency-mode as it is', async () => {
    const said = await childSays(
      `const { enterEfficiencyMode } = await import(${JSON.stringify(MODULE)});
       console.log(JSON.stringify([enterEfficiencyMode(), %IsEfficiencyModeEnabled()]));`,
      ['--no-efficiency-mode'],
    );
    assert.deepEqual(JSON.parse(said), [false, false]);
  });

  it('is entered by `hearsay agent` and by no other command', async () => {
    const check = (command: string) =>
      childSays(
        `const { main } = await import(${JSON.stringify(MAIN)});
         await main(['node', 'hearsay', ${JSON.stringify(command)}, '--help']);
         console.log(String(%IsEfficiencyModeEnabled()));`,
      );
    assert.equal(await check('agent'), 'true');
    assert.equal(await check('sim'), 'false');
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type StartedSandbox } from '../sandbox/index.ts';
import { privateStateDir } from './support/sandbox-helpers.ts';

/**
 * Every shell block of the README, run as written against a sandbox this test starts, so the README cannot
 * drift from what the commands do. A block runs unless the line before it says why not
 * (`<!-- readme-test: skip: <reason> -->`); `<!-- readme-test: exit <code> -->` expects another exit code
 * than 0, `<!-- readme-test: prints <text> -->` (any number of them) text its output must hold. The sandbox
 * is on free ports: the README's default addresses (127.0.0.1:4000, localhost:4443, 127.0.0.1:7001,
 * 127.0.0.1:8080) are pointed at it, and the CLI finds it through SANDBOX_IDP_URL and SANDBOX_CORE_URL, as
 * it would find a sandbox on other ports for anyone.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  line: number;
  text: string;
  skip?: string;
  exit: number;
  prints: string[];
}

function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i]!)) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`README.md:${i + 1}: a shell block that is never closed`);
    // The markers sit on the lines just above the fence.
    const markers: string[] = [];
    for (let j = i - 1; j >= 0 && /^<!-- readme-test: .* -->$/.test(lines[j]!); j--) markers.unshift(/^<!-- readme-test: (.*) -->$/.exec(lines[j]!)![1]!);
    // A marker this test does not know would drop its check without a word: it fails instead.
    const unknown = markers.find((m) => !/^(skip: |exit |prints )/.test(m));
    if (unknown) throw new Error(`README.md:${i}: unknown readme-test marker "${unknown}" (skip: <reason>, exit <code>, prints <text>)`);
    const marker = (name: string) => markers.filter((m) => m.startsWith(`${name} `)).map((m) => m.slice(name.length + 1));
    blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), skip: marker('skip:')[0], exit: Number(marker('exit')[0] ?? 0), prints: marker('prints') });
    i = end;
  }
  return blocks;
}

const blocks = shellBlocks(README);

describe('the README\'s shell blocks, run as written', () => {
  let sandbox: StartedSandbox;
  let cwd: string;
  let run: (block: Block) => Promise<{ code: number; output: string }>;
  beforeAll(async () => {
    const stateDir = privateStateDir('readme');
    sandbox = await startSandbox(undefined, { stateDir, idpHttpPort: 0, idpHttpsPort: 0, modelsPort: 0, corePort: 0 });
    // A working folder of its own (blocks write chat.env), with the sandbox's state where `.sandbox` would be.
    cwd = mkdtempSync(join(tmpdir(), 'sandbox-readme-'));
    symlinkSync(stateDir, join(cwd, '.sandbox'));
    symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
    const https = new URL(sandbox.idp.httpsUrl).port;
    const addresses: [RegExp, string][] = [
      [/127\.0\.0\.1:4000/g, new URL(sandbox.idpUrl).host],
      [/localhost:4443/g, `localhost:${https}`],
      [/127\.0\.0\.1:7001/g, new URL(sandbox.modelsUrl).host],
      [/127\.0\.0\.1:8080/g, new URL(sandbox.coreUrl!).host],
    ];
    const env = { ...process.env, SANDBOX_IDP_URL: sandbox.idpUrl, SANDBOX_CORE_URL: sandbox.coreUrl!, FORCE_COLOR: '0' };
    run = (block) => new Promise((resolve) => {
      // `npx dial-sandbox` is this checkout's CLI, as it is in the repository's folder.
      const cli = `npx() { if [ "$1" = dial-sandbox ]; then shift; node ${JSON.stringify(join(ROOT, 'bin', 'dial-sandbox.js'))} "$@"; else command npx "$@"; fi; }\n`;
      const script = cli + addresses.reduce((text, [from, to]) => text.replace(from, to), block.text);
      execFile('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
      });
    });
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('has blocks, and says why of each one it does not run', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks.filter((b) => b.skip !== undefined)) expect(block.skip!.trim(), `README.md:${block.line}`).not.toBe('');
  });

  for (const block of blocks) {
    const title = `README.md:${block.line}: ${block.text.split('\n')[0]!.slice(0, 80)}`;
    it.skipIf(block.skip !== undefined)(block.skip === undefined ? title : `${title} — skipped: ${block.skip}`, async () => {
      const { code, output } = await run(block);
      expect({ code, output: code === block.exit ? '' : output }, title).toEqual({ code: block.exit, output: '' });
      for (const text of block.prints) expect(output, `${title} prints ${text}`).toContain(text);
      // A fault scenario a block switched on does not reach the next block.
      await fetch(`${sandbox.idpUrl}/__control/scenario`, { method: 'DELETE' });
    }, 60_000);
  }
});

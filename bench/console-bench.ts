/**
 * The web console beside the sandbox it watches, in Debian's chromium (never a downloaded browser): the
 * page's first load to the matrix drawn, and mock-core under a steady load with the page open on the
 * timeline beside the same load with no page open (the feed subscribes to the logs only while a page is).
 * The load is an embedding through mock-core with the tutorial's API key: no userRoles, no limits, and no
 * Action runs, so what the console adds is all there is to tell apart.
 */
import type { Browser, Page } from 'playwright-core';

import { launchTrustingChromium, type TrustingBrowser } from '../test/support/chromium.ts';
import { load, type LoadResult, type PacedResult } from './load.ts';
import { cpuMs, spawnSandbox, type RunningSandbox } from './sandbox-bench.ts';

/** The steady load: wrk2's kind, at a rate the sandbox keeps on two cores with room to spare. */
export const PACED_RATE = 500;
/** The page's measured window, inside the paced load. */
export const WINDOW_SECONDS = 10;
/** The most the page may take to show the load's first events: the paced load runs this much longer than the window. */
const LEAD_SECONDS = 2;
const CONCURRENCY = 32;

const EMBEDDING = { path: '/openai/deployments/text-embedding-3-small/embeddings', headers: { 'api-key': 'ci-api-key', 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hello' }) };

/** A new browser context on the console: ms from navigation start to the first matrix drawn (the page's own mark). */
export async function matrixDrawnMs(browser: Browser, consoleUrl: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(consoleUrl);
    await page.locator('html[data-matrix-drawn]').waitFor();
    return await page.evaluate(() => performance.getEntriesByName('matrix-drawn')[0]!.startTime);
  } finally {
    await context.close();
  }
}

export interface FirstLoads {
  /** The first load of a browser just launched, on a sandbox just started. */
  freshBrowser: number;
  /** Each sandbox start's first load (the server mints each user's next login once per directory version). */
  cold: number[];
  /** The other loads of each start. */
  warm: number[];
}

/**
 * `starts` sandboxes one after another (on the one default state folder, as the cold-start figure spawns
 * them), `loads` loads each, after one unmeasured start that warms the browser. Resolves with the last
 * sandbox still running, for the figures under load.
 */
export async function firstLoads(starts: number, loads: number): Promise<{ figures: FirstLoads; sandbox: RunningSandbox; browser: TrustingBrowser }> {
  let sandbox = await spawnSandbox();
  // The console is plain HTTP on loopback; the CA is for the IdP's pages, trusted as a user's browser would.
  const browser = await launchTrustingChromium(sandbox.caFile).catch(async (error: unknown) => {
    await stopSandbox(sandbox);
    throw error;
  });
  try {
    const figures: FirstLoads = { freshBrowser: await matrixDrawnMs(browser.browser, sandbox.consoleUrl), cold: [], warm: [] };
    for (let start = 0; start < starts; start++) {
      await stopSandbox(sandbox);
      sandbox = await spawnSandbox();
      for (let i = 0; i < loads; i++) (i === 0 ? figures.cold : figures.warm).push(await matrixDrawnMs(browser.browser, sandbox.consoleUrl));
    }
    return { figures, sandbox, browser };
  } catch (error) {
    await browser.close();
    await stopSandbox(sandbox);
    throw error;
  }
}

export async function stopSandbox(sandbox: RunningSandbox): Promise<void> {
  if (sandbox.process.exitCode !== null || sandbox.process.signalCode !== null) return;
  const exited = new Promise((gone) => sandbox.process.once('exit', gone));
  sandbox.process.kill();
  await exited;
}

/** What the page did over the window: events per second, and its main thread's time by the debugging protocol's counters. */
export interface PageFigures {
  shownPerSecond: number;
  receivedPerSecond: number;
  /** Events the sandbox dropped (more than a flush takes), and batches' events the page missed (its socket too far behind), per second. */
  droppedPerSecond: number;
  missedPerSecond: number;
  /** Shares of the window's wall time: any task, scripts, layout and style. */
  busy: number;
  script: number;
  layoutAndStyle: number;
}

/** One side of a round: the paced load, the sandbox's CPU per request under it, then the closed loops' most. */
export interface ConsoleRun {
  paced: PacedResult;
  /** The sandbox process's user + system CPU over the paced load, per request, in µs. */
  cpuPerRequest: number;
  closed: LoadResult;
  page?: PageFigures;
}

/** A closed load on mock-core, unmeasured: JIT, connections, and entries in the logs for a page's backlog. */
export async function warmUp(sandbox: RunningSandbox, seconds: number): Promise<void> {
  await load({ url: new URL(sandbox.coreUrl), ...EMBEDDING, connections: CONCURRENCY, seconds });
}

/**
 * The embedding load on mock-core, paced at PACED_RATE and then closed at concurrency 32, with the console
 * open on #timeline in a context of its own when `browser` is given (closed after: no page stays open).
 */
export async function coreUnderLoad(sandbox: RunningSandbox, seconds: number, browser?: Browser): Promise<ConsoleRun> {
  const url = new URL(sandbox.coreUrl);
  const context = await browser?.newContext();
  try {
    const page = await context?.newPage();
    if (page) {
      await page.goto(`${sandbox.consoleUrl}#timeline`);
      // The backlog holds the warm-up's entries: once any is in, the feed is subscribed; once drawn and the
      // main thread idle, the page's first load is over (it would otherwise be measured as the steady state).
      await page.waitForFunction(() => (globalThis as unknown as { consoleStats: Stats }).consoleStats.shown > 0);
      await page.evaluate(() => new Promise((idle) => (globalThis as unknown as { requestIdleCallback(done: () => void): void }).requestIdleCallback(() => idle(undefined))));
    }
    const pid = sandbox.process.pid!;
    const cpuBefore = cpuMs(pid);
    const pacedRun = load({ url, ...EMBEDDING, connections: CONCURRENCY, seconds: WINDOW_SECONDS + LEAD_SECONDS, ratePerSecond: PACED_RATE });
    const pageFigures = page ? await watchWindow(page) : undefined;
    const paced = await pacedRun;
    const cpuPerRequest = ((cpuMs(pid) - cpuBefore) * 1000) / paced.requests;
    const closed = await load({ url, ...EMBEDDING, connections: CONCURRENCY, seconds });
    return { paced, cpuPerRequest, closed, page: pageFigures };
  } finally {
    await context?.close();
  }
}

interface Stats {
  received: number;
  shown: number;
  dropped: number;
  missed: number;
}

/** From the load's first events on the page, WINDOW_SECONDS of its counters and its main thread's. */
async function watchWindow(page: Page): Promise<PageFigures> {
  const stats = () => page.evaluate(() => ({ ...(globalThis as unknown as { consoleStats: Stats }).consoleStats }));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const shownAtStart = (await stats()).shown;
  await page.waitForFunction((before) => (globalThis as unknown as { consoleStats: Stats }).consoleStats.shown > before, shownAtStart, { timeout: LEAD_SECONDS * 1000 });
  const [statsBefore, before] = [await stats(), await metrics()];
  await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000)); // the measured window itself
  const [statsAfter, after] = [await stats(), await metrics()];
  const delta = (name: string) => after[name]! - before[name]!;
  const wall = delta('Timestamp');
  const perSecond = (name: keyof Stats) => (statsAfter[name] - statsBefore[name]) / wall;
  return {
    shownPerSecond: perSecond('shown'),
    receivedPerSecond: perSecond('received'),
    droppedPerSecond: perSecond('dropped'),
    missedPerSecond: perSecond('missed'),
    busy: delta('TaskDuration') / wall,
    script: delta('ScriptDuration') / wall,
    layoutAndStyle: (delta('LayoutDuration') + delta('RecalcStyleDuration')) / wall,
  };
}

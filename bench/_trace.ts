import { launchChromium, serveDist } from './common';
const server = await serveDist(4181);
const browser = await launchChromium();
const context = await browser.newContext();
const page = await context.newPage();
await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-devtools.timeline.frame', 'blink.user_timing'] });
await page.goto(server.url);
await page.waitForFunction(() => document.documentElement.dataset.readyAtMs, null, { timeout: 60_000 });
await page.waitForTimeout(500);
const trace = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
const main = new Set(trace.filter((e: any) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e: any) => `${e.pid}:${e.tid}`));
const tasks = trace.filter((e: any) => e.ph === 'X' && e.name === 'RunTask' && main.has(`${e.pid}:${e.tid}`)).sort((a: any, b: any) => b.dur - a.dur).slice(0, 4);
for (const t of tasks) {
  console.log('TASK', (t.dur / 1000).toFixed(1), 'ms');
  const inner = trace.filter((e: any) => e.ph === 'X' && `${e.pid}:${e.tid}` === `${t.pid}:${t.tid}` && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + t.dur && e !== t && (e.dur ?? 0) > 8000);
  for (const e of inner.slice(0, 25)) console.log('   ', e.name, ((e.dur ?? 0) / 1000).toFixed(1), JSON.stringify(e.args?.data?.url ?? e.args?.data?.functionName ?? e.args?.data?.type ?? '').slice(0, 90));
}
await browser.close(); await server.close();

/** Reading Chrome traces of the app's page: which threads are the page's main thread, and its tasks. */

export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  tid: number;
  pid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/**
 * The page's renderer main threads (`pid:tid`) in a trace: those of the processes its frames were
 * committed in. Headless Chromium also runs its own WebUI renderers (the omnibox popup), whose
 * tasks are not the page's.
 */
export function mainThreadKeys(events: TraceEvent[]): Set<string> {
  const pageProcesses = new Set<number>();
  for (const e of events) {
    const data = e.args?.data as { processId?: number; frames?: { processId?: number }[] } | undefined;
    if (e.name === 'FrameCommittedInBrowser' && data?.processId !== undefined) pageProcesses.add(data.processId);
    if (e.name === 'TracingStartedInBrowser') for (const f of data?.frames ?? []) if (f.processId !== undefined) pageProcesses.add(f.processId);
  }
  return new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pageProcesses.has(e.pid)).map((e) => `${e.pid}:${e.tid}`));
}

export const isTask = (e: TraceEvent) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');

/** The longest task on the page's renderer main thread, with its wall and thread CPU time, ms, from a devtools.timeline trace. */
export function longestMainThreadTask(trace: Buffer): { wallMs: number; cpuMs: number } {
  const events: TraceEvent[] = JSON.parse(trace.toString()).traceEvents;
  const mainThreads = mainThreadKeys(events);
  let longest: TraceEvent | undefined;
  for (const e of events) {
    if (isTask(e) && mainThreads.has(`${e.pid}:${e.tid}`) && (e.dur ?? 0) > (longest?.dur ?? -1)) longest = e;
  }
  return { wallMs: (longest?.dur ?? 0) / 1000, cpuMs: (longest?.tdur ?? 0) / 1000 };
}

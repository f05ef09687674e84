import { describe, expect, it } from 'vitest';
import { JobControl, yieldToEvents, YIELD_EVERY_MS, type JobControlAnswer, type RunningJob } from './job-control';

function setup() {
  const posted: JobControlAnswer[] = [];
  let time = 0;
  let yields = 0;
  const jobs = new JobControl({
    post: (answer) => posted.push(answer),
    busy: 'A job is already running',
    now: () => time,
    yieldToEvents: async () => {
      yields++;
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  return { jobs, posted, advance: (ms: number) => (time += ms), yields: () => yields };
}

/** A job of `steps` steps that calls beforeStep before each and checkpointReached after every `every` steps. */
async function run(job: RunningJob, steps: number, every: number, done: number[]): Promise<void> {
  try {
    for (let k = 0; k < steps && !job.signal.aborted; k++) {
      const wait = job.beforeStep();
      if (wait) await wait;
      if (job.signal.aborted) break;
      done.push(k);
      await new Promise((resolve) => setImmediate(resolve));
      if ((k + 1) % every === 0) await job.checkpointReached();
    }
  } finally {
    job.end();
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
};

describe('JobControl', () => {
  it('runs one job at a time; end() lets the next begin', () => {
    const { jobs } = setup();
    const job = jobs.begin(1);
    expect(jobs.running).toBe(job);
    expect(() => jobs.begin(2)).toThrow('A job is already running');
    expect(() => jobs.begin(2, { busy: 'A search is running' })).toThrow('A search is running');
    job.end();
    job.end();
    expect(jobs.running).toBeUndefined();
    expect(jobs.begin(3).requestId).toBe(3);
  });

  it('beforeStep yields only every ~25 ms while running, and costs nothing in between', async () => {
    const { jobs, advance, yields } = setup();
    const job = jobs.begin(1);
    expect(job.beforeStep()).toBeUndefined();
    advance(YIELD_EVERY_MS - 1);
    expect(job.beforeStep()).toBeUndefined();
    advance(1);
    await job.beforeStep();
    expect(yields()).toBe(1);
    expect(job.beforeStep()).toBeUndefined();
  });

  it('pause holds the job at its next step and answers once it holds; resume answers and goes on', async () => {
    const { jobs, posted } = setup();
    const job = jobs.begin(7, { beforeHold: () => posted.push({ type: 'resumed', requestId: -1 }) });
    const done: number[] = [];
    const running = run(job, 6, 100, done);
    jobs.control({ type: 'pause', requestId: 7 });
    await until(() => posted.some((p) => p.type === 'paused'));
    // beforeHold runs first (here a marker), then "paused".
    expect(posted).toEqual([
      { type: 'resumed', requestId: -1 },
      { type: 'paused', requestId: 7 },
    ]);
    const held = done.length;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done.length).toBe(held);
    jobs.control({ type: 'resume', requestId: 7 });
    await running;
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(posted.slice(2)).toEqual([{ type: 'resumed', requestId: 7 }]);
    expect(jobs.running).toBeUndefined();
  });

  it('cancel aborts the job, also while paused; controls for other requests are ignored', async () => {
    const { jobs, posted } = setup();
    const job = jobs.begin(3);
    const done: number[] = [];
    const running = run(job, 1000, 1000, done);
    jobs.control({ type: 'pause', requestId: 3 });
    await until(() => posted.length === 1);
    jobs.control({ type: 'resume', requestId: 99 });
    jobs.control({ type: 'cancel', requestId: 99 });
    expect(job.signal.aborted).toBe(false);
    jobs.control({ type: 'cancel', requestId: 3 });
    await running;
    expect(job.signal.aborted).toBe(true);
    expect(done.length).toBeLessThan(1000);
    expect(posted).toEqual([{ type: 'paused', requestId: 3 }]);
    jobs.control({ type: 'pause', requestId: 3 }); // finished: nothing happens
    expect(posted).toHaveLength(1);
  });

  it('step runs a paused job to its next checkpoint, then pauses it again', async () => {
    const { jobs, posted } = setup();
    const job = jobs.begin(4);
    const done: number[] = [];
    jobs.control({ type: 'pause', requestId: 4 });
    const running = run(job, 9, 3, done);
    await until(() => posted.length === 1);
    expect(done).toEqual([]);
    jobs.control({ type: 'step', requestId: 4 });
    await until(() => posted.length === 3);
    expect(posted.map((p) => p.type)).toEqual(['paused', 'resumed', 'paused']);
    expect(done).toEqual([0, 1, 2]);
    jobs.control({ type: 'step', requestId: 4 });
    await until(() => posted.length === 5);
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    jobs.control({ type: 'resume', requestId: 4 });
    await running;
    expect(done).toHaveLength(9);
    expect(posted.map((p) => p.type)).toEqual(['paused', 'resumed', 'paused', 'resumed', 'paused', 'resumed']);
  });

  it('step on a running job pauses it at its next checkpoint', async () => {
    const { jobs, posted } = setup();
    const job = jobs.begin(5);
    const done: number[] = [];
    const running = run(job, 8, 4, done);
    jobs.control({ type: 'step', requestId: 5 });
    await until(() => posted.length === 1);
    expect(posted).toEqual([{ type: 'paused', requestId: 5 }]);
    expect(done).toEqual([0, 1, 2, 3]);
    jobs.control({ type: 'cancel', requestId: 5 });
    await running;
    expect(done).toEqual([0, 1, 2, 3]);
  });

  it('paused time is kept apart', async () => {
    const { jobs, advance } = setup();
    const job = jobs.begin(1);
    advance(10);
    jobs.control({ type: 'pause', requestId: 1 });
    advance(40);
    jobs.control({ type: 'resume', requestId: 1 });
    advance(5);
    expect(job.gate.pausedMs()).toBe(40);
    expect(job.elapsedMs()).toBe(15);
  });
});

describe('yieldToEvents', () => {
  it('lets a queued task run', async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    await yieldToEvents();
    expect(ran).toBe(true);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { handlerPort, RpcClient, WorkerRequestError, WorkerStoppedError, type RpcPort } from './rpc';

type Req = { type: 'init' } | { type: 'work'; requestId: number; size: number } | { type: 'ping'; requestId: number } | { type: 'pause'; requestId: number };
type Res =
  | { type: 'ready' }
  | { type: 'tick'; requestId: number; done: number }
  | { type: 'paused'; requestId: number }
  | { type: 'worked'; requestId: number; result: number }
  | { type: 'pong'; requestId: number }
  | { type: 'error'; requestId?: number; message: string };

const EVENTS = new Set(['tick', 'paused'] as const);

/** A worker stand-in: records what it is sent; the test answers, crashes or fails to read. */
class FakePort implements RpcPort<Req, Res> {
  sent: { message: Req; transfer?: Transferable[] }[] = [];
  terminated = false;
  onmessage: ((event: MessageEvent<Res>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;

  postMessage(message: Req, transfer?: Transferable[]): void {
    if (this.terminated) throw new Error('posted to a terminated port');
    this.sent.push({ message, transfer });
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(message: Res): void {
    this.onmessage?.({ data: message } as MessageEvent<Res>);
  }
  crash(message: string): void {
    this.onerror?.({ message } as ErrorEvent);
  }
  lastId(): number {
    return (this.sent[this.sent.length - 1].message as { requestId: number }).requestId;
  }
}

function setup() {
  const ports: FakePort[] = [];
  const unsolicited: Res[] = [];
  const crashes: WorkerStoppedError[] = [];
  const client = new RpcClient<Req, Res, 'tick' | 'paused'>(
    () => {
      const port = new FakePort();
      ports.push(port);
      return port;
    },
    { name: 'test worker', events: EVENTS, onUnsolicited: (m) => unsolicited.push(m), onCrash: (e) => crashes.push(e) },
  );
  return { client, ports, unsolicited, crashes };
}

/** Settles a promise into a plain record, so a test can look at it after more messages. */
function outcome<T>(promise: Promise<T>): { value?: T; error?: Error; settled: boolean } {
  const state: { value?: T; error?: Error; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: Error) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RpcClient', () => {
  it('starts the worker on first use, numbers requests and resolves with the final answer', async () => {
    const { client, ports } = setup();
    expect(ports).toHaveLength(0);
    const work = client.request({ type: 'work', size: 3 });
    const ping = client.request({ type: 'ping' });
    expect(ports).toHaveLength(1);
    expect(ports[0].sent.map((s) => s.message)).toEqual([
      { type: 'work', size: 3, requestId: 1 },
      { type: 'ping', requestId: 2 },
    ]);
    ports[0].answer({ type: 'pong', requestId: 2 });
    ports[0].answer({ type: 'worked', requestId: 1, result: 9 });
    expect(await work).toEqual({ type: 'worked', requestId: 1, result: 9 });
    expect(await ping).toEqual({ type: 'pong', requestId: 2 });
    expect(client.pending).toBe(0);
  });

  it('passes events to onEvent without ending the request; a given requestId is kept', async () => {
    const { client, ports } = setup();
    const requestId = client.newRequestId();
    const events: Res[] = [];
    const work = outcome(client.request({ type: 'work', requestId, size: 2 }, { onEvent: (e) => events.push(e) }));
    expect(ports[0].lastId()).toBe(requestId);
    ports[0].answer({ type: 'tick', requestId, done: 1 });
    ports[0].answer({ type: 'paused', requestId });
    await flush();
    expect(work.settled).toBe(false);
    ports[0].answer({ type: 'worked', requestId, result: 4 });
    await flush();
    expect(events.map((e) => e.type)).toEqual(['tick', 'paused']);
    expect(work.value).toMatchObject({ type: 'worked', result: 4 });
  });

  it('moves transferables with the request', () => {
    const { client, ports } = setup();
    const buffer = new ArrayBuffer(8);
    void client.request({ type: 'work', size: 1 }, { transfer: [buffer] });
    expect(ports[0].sent[0].transfer).toEqual([buffer]);
  });

  it("rejects on an 'error' answer with the worker's message; the worker runs on", async () => {
    const { client, ports, crashes } = setup();
    const work = client.request({ type: 'work', size: 0 });
    ports[0].answer({ type: 'error', requestId: 1, message: 'size must be positive' });
    await expect(work).rejects.toThrow(new WorkerRequestError('size must be positive'));
    await expect(work).rejects.toBeInstanceOf(WorkerRequestError);
    expect(crashes).toEqual([]);
    const ping = client.request({ type: 'ping' });
    ports[0].answer({ type: 'pong', requestId: 2 });
    await expect(ping).resolves.toMatchObject({ type: 'pong' });
  });

  it('checks the final answer against expect', async () => {
    const { client, ports } = setup();
    const worked = client.request({ type: 'work', size: 1 }, { expect: 'worked' });
    const other = client.request({ type: 'ping' }, { expect: ['worked'] });
    ports[0].answer({ type: 'worked', requestId: 1, result: 1 });
    ports[0].answer({ type: 'pong', requestId: 2 });
    expect((await worked).result).toBe(1);
    await expect(other).rejects.toThrow("The test worker answered 'pong' where 'worked' was expected");
  });

  it('ignores late answers and answers to unknown ids; unsolicited messages go to their listener', async () => {
    const { client, ports, unsolicited } = setup();
    const events: Res[] = [];
    const work = client.request({ type: 'work', size: 1 }, { onEvent: (e) => events.push(e) });
    ports[0].answer({ type: 'worked', requestId: 1, result: 1 });
    await work;
    // A late event and a second final answer of the finished request, and an id never used.
    ports[0].answer({ type: 'tick', requestId: 1, done: 2 });
    ports[0].answer({ type: 'worked', requestId: 1, result: 2 });
    ports[0].answer({ type: 'pong', requestId: 77 });
    ports[0].answer({ type: 'error', requestId: 1, message: 'late' });
    expect(events).toEqual([]);
    ports[0].answer({ type: 'ready' });
    ports[0].answer({ type: 'error', message: 'init failed' });
    expect(unsolicited).toEqual([{ type: 'ready' }, { type: 'error', message: 'init failed' }]);
    expect(client.crashed).toBeNull();
  });

  it('a crash mid-request rejects every pending request with a clear message and terminates the worker', async () => {
    const { client, ports, crashes } = setup();
    const work = outcome(client.request({ type: 'work', size: 5 }));
    const ping = outcome(client.request({ type: 'ping' }));
    ports[0].answer({ type: 'tick', requestId: 1, done: 1 });
    ports[0].crash('Uncaught RangeError: Array buffer allocation failed.');
    await flush();
    const message = 'The test worker stopped unexpectedly: Uncaught RangeError: Array buffer allocation failed. Start it again to go on.';
    expect(work.error).toBeInstanceOf(WorkerStoppedError);
    expect(work.error?.message).toBe(message);
    expect(ping.error?.message).toBe(message);
    expect(ports[0].terminated).toBe(true);
    expect(client.crashed?.message).toBe(message);
    expect(crashes.map((e) => e.message)).toEqual([message]);
    expect(client.pending).toBe(0);
  });

  it('an error event without a message still says what happened', async () => {
    const { client, ports } = setup();
    const work = client.request({ type: 'ping' });
    ports[0].crash('');
    await expect(work).rejects.toThrow('The test worker stopped unexpectedly: it failed to load or crashed. Start it again to go on.');
  });

  it('a messageerror stops the worker too', async () => {
    const { client, ports } = setup();
    const work = client.request({ type: 'ping' });
    ports[0].onmessageerror?.({} as MessageEvent);
    await expect(work).rejects.toThrow('The test worker stopped unexpectedly: one of its answers could not be read. Start it again to go on.');
    expect(ports[0].terminated).toBe(true);
  });

  it('after a crash new requests fail at once, posts are dropped, and nothing the dead worker sends counts', async () => {
    const { client, ports, crashes } = setup();
    const work = outcome(client.request({ type: 'work', size: 1 }));
    const port = ports[0];
    const handler = port.onmessage;
    port.crash('boom');
    await expect(client.request({ type: 'ping' })).rejects.toThrow('The test worker stopped unexpectedly: boom. Start it again to go on.');
    client.post({ type: 'pause', requestId: 1 });
    expect(port.sent).toHaveLength(1);
    expect(port.onmessage).toBeNull();
    handler?.({ data: { type: 'worked', requestId: 1, result: 1 } } as MessageEvent<Res>);
    port.crash('again');
    await flush();
    expect(work.error?.message).toContain('boom');
    expect(crashes).toHaveLength(1);
    expect(ports).toHaveLength(1);
  });

  it('terminate() rejects what is pending and marks the client stopped', async () => {
    const { client, ports, crashes } = setup();
    const work = client.request({ type: 'work', size: 1 });
    client.terminate();
    await expect(work).rejects.toThrow('The test worker was stopped.');
    expect(ports[0].terminated).toBe(true);
    expect(client.crashed).toBeInstanceOf(WorkerStoppedError);
    expect(crashes).toHaveLength(1);
    const failed = setup();
    const ping = failed.client.request({ type: 'ping' });
    failed.client.terminate('the profiler could not start');
    await expect(ping).rejects.toThrow('The test worker stopped unexpectedly: the profiler could not start. Start it again to go on.');
  });

  it('restart() starts a fresh worker; ids go on, so the old requests cannot be answered', async () => {
    const { client, ports } = setup();
    const first = outcome(client.request({ type: 'work', size: 1 }));
    ports[0].crash('boom');
    client.restart();
    expect(client.crashed).toBeNull();
    expect(ports).toHaveLength(2);
    const ping = client.request({ type: 'ping' });
    expect(ports[1].lastId()).toBe(2);
    ports[1].answer({ type: 'worked', requestId: 1, result: 1 }); // not a request of this worker
    ports[1].answer({ type: 'pong', requestId: 2 });
    await expect(ping).resolves.toMatchObject({ type: 'pong', requestId: 2 });
    await flush();
    expect(first.error).toBeInstanceOf(WorkerStoppedError);
  });

  it('restart() of a running worker stops it first, rejecting what was pending', async () => {
    const { client, ports, crashes } = setup();
    const work = client.request({ type: 'work', size: 1 });
    client.restart();
    await expect(work).rejects.toThrow('The test worker was restarted.');
    expect(ports[0].terminated).toBe(true);
    expect(ports).toHaveLength(2);
    expect(client.crashed).toBeNull();
    expect(crashes).toHaveLength(1);
  });

  it('controls are fire-and-forget posts; the request ends with whatever the worker answers', async () => {
    const { client, ports } = setup();
    const requestId = client.newRequestId();
    const work = client.request({ type: 'work', requestId, size: 1 });
    client.post({ type: 'pause', requestId });
    expect(ports[0].sent.map((s) => s.message.type)).toEqual(['work', 'pause']);
    ports[0].answer({ type: 'error', requestId, message: 'cancelled' });
    await expect(work).rejects.toThrow('cancelled');
  });

  it('refuses a requestId that is already waiting, and a message that cannot be posted', async () => {
    const { client, ports } = setup();
    void client.request({ type: 'work', requestId: 5, size: 1 });
    await expect(client.request({ type: 'ping', requestId: 5 })).rejects.toThrow('request 5 is already waiting');
    vi.spyOn(ports[0], 'postMessage').mockImplementation(() => {
      throw new Error('could not be cloned');
    });
    await expect(client.request({ type: 'ping' })).rejects.toThrow('could not be cloned');
    expect(client.pending).toBe(1);
  });
});

describe('handlerPort', () => {
  it('runs a handler on this thread behind the same client, cloning both ways', async () => {
    const seen: Req[] = [];
    const port = await handlerPort<Req, Res>(async (post) => (request) => {
      seen.push(request);
      if (request.type === 'ping') post({ type: 'pong', requestId: request.requestId });
    });
    const client = new RpcClient<Req, Res, 'tick' | 'paused'>(() => port, { name: 'profiler', events: EVENTS });
    const message = { type: 'ping' as const };
    await expect(client.request(message)).resolves.toEqual({ type: 'pong', requestId: 1 });
    expect(seen[0]).not.toBe(message);
    client.terminate();
    expect(() => port.postMessage({ type: 'ping', requestId: 2 })).not.toThrow();
    expect(seen).toHaveLength(1);
  });
});

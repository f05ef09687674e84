import { describe, expect, it } from 'vitest';
import { PauseGate } from './pause-gate';

describe('PauseGate', () => {
  it('holds waiters while paused, calls onHold once per pause, and counts paused time', async () => {
    let now = 0;
    const gate = new PauseGate(() => now);
    const holds: number[] = [];
    gate.onHold = () => holds.push(now);
    await gate.wait(); // running: resolves at once
    expect(holds).toEqual([]);
    gate.pause();
    gate.pause(); // a second pause changes nothing
    expect(gate.paused).toBe(true);
    now = 10;
    let released = false;
    const waiting = gate.wait().then(() => (released = true));
    void gate.wait();
    expect(holds).toEqual([10]);
    await Promise.resolve();
    expect(released).toBe(false);
    now = 35;
    expect(gate.pausedMs()).toBe(35);
    gate.resume();
    await waiting;
    expect(released).toBe(true);
    expect(gate.paused).toBe(false);
    now = 100;
    expect(gate.pausedMs()).toBe(35);
    gate.pause();
    void gate.wait();
    expect(holds).toEqual([10, 100]);
    gate.resume();
    gate.resume(); // a second resume changes nothing
    expect(gate.pausedMs()).toBe(35);
  });
});

/**
 * AdamW as torch.optim.AdamW (amsgrad off), which eagle uses; tfjs has no AdamW. Per step t:
 *
 *     p ← p·(1 − lr·wd)                       decoupled decay, same lr as the step
 *     m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²
 *     p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 *
 * The learning rate is passed to every step, so schedules stay outside (schedules.ts). ε is
 * explicit (1e-8): tfjs's own optimizers default to 1e-4 on WebGL, which would drift.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  /** Decoupled weight decay coefficient (dimensionless). */
  weightDecay: number;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  epsilon?: number;
}

interface Slot {
  variable: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
}

export class AdamW {
  private readonly slots: Slot[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  /** Steps taken so far. */
  step = 0;

  constructor(variables: readonly tf.Variable[], options: AdamWOptions) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay;
    this.slots = variables.map((variable) => ({
      variable,
      // In a tidy: tf.variable copies its initial tensor, which would otherwise leak.
      m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
    }));
  }

  /**
   * One update with learning rate `lr`. `gradients` maps variable names to gradients (as
   * `tf.variableGrads` returns them); a variable without a gradient is left alone, decay included.
   */
  apply(gradients: tf.NamedTensorMap, lr: number): void {
    this.step += 1;
    const t = this.step;
    const stepSize = lr / (1 - this.beta1 ** t);
    const secondMomentScale = 1 / Math.sqrt(1 - this.beta2 ** t);
    const decay = 1 - lr * this.weightDecay;
    tf.tidy(() => {
      for (const slot of this.slots) {
        const g = gradients[slot.variable.name];
        if (!g) continue;
        const m = tf.add(tf.mul(slot.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(slot.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const denominator = tf.add(tf.mul(tf.sqrt(v), secondMomentScale), this.epsilon);
        const decayed = decay === 1 ? slot.variable : tf.mul(slot.variable, decay);
        slot.variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        slot.m.assign(m);
        slot.v.assign(v);
      }
    });
  }

  /** Frees the moment estimates (not the optimised variables). */
  dispose(): void {
    for (const slot of this.slots) tf.dispose([slot.m, slot.v]);
  }
}

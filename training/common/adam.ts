/**
 * Adam (Kingma & Ba 2015) with a per-step learning rate and global-norm gradient
 * clipping, over named variables. Our own rather than tf.train.adam so the moments
 * and the step live in plain named tensors a checkpoint can write and read back
 * exactly, and the schedule is an argument of each step.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Clip the global gradient norm to this (0 disables). */
  clipNorm: number;
  /** Decoupled weight decay (AdamW), applied to matrices only. */
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamConfig = { beta1: 0.9, beta2: 0.98, epsilon: 1e-8, clipNorm: 5, weightDecay: 0 };

/** Linear warmup to `peak`, then cosine decay to `peak * finalFraction` at `total` steps. */
export function learningRateAt(step: number, peak: number, warmup: number, total: number, finalFraction = 0.05): number {
  if (warmup > 0 && step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * tf.train.adam (same betas and epsilon) whose learning rate can change between steps, for
 * trainers that checkpoint tfjs's own optimizer state (the vocoder's). tfjs reads the rate
 * from a protected field at every update, so a subclass may set it.
 */
export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999);
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  get currentLearningRate(): number {
    return this.learningRate;
  }
}

export class Adam {
  readonly config: AdamConfig;
  /** Completed updates (the bias correction uses it). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(config: Partial<AdamConfig> = {}) {
    this.config = { ...DEFAULT_ADAM, ...config };
  }

  /** Applies one update; returns the global gradient norm before clipping. */
  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>, lr: number): number {
    const { beta1, beta2, epsilon, clipNorm, weightDecay } = this.config;
    const names = Object.keys(grads);
    const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))));
    const norm = normT.dataSync()[0];
    normT.dispose();
    // A non-finite gradient would poison the moments forever: skip the update instead.
    if (!Number.isFinite(norm)) return norm;
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    this.step++;
    const c1 = 1 - Math.pow(beta1, this.step);
    const c2 = 1 - Math.pow(beta2, this.step);
    for (const n of names) {
      const w = vars[n];
      if (!this.m.has(n)) {
        const zeros = tf.zerosLike(w);
        this.m.set(n, tf.variable(zeros, false));
        this.v.set(n, tf.variable(zeros, false));
        zeros.dispose();
      }
      const m = this.m.get(n)!;
      const v = this.v.get(n)!;
      tf.tidy(() => {
        const g = scale === 1 ? grads[n] : tf.mul(grads[n], scale);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), epsilon));
        if (weightDecay > 0 && w.rank >= 2) update = tf.add(update, tf.mul(w, weightDecay));
        w.assign(tf.sub(w, tf.mul(update, lr)));
      });
    }
    return norm;
  }

  /** Moments as named tensors (`m/<name>`, `v/<name>`), for checkpoints. */
  stateTensors(): { name: string; tensor: tf.Tensor }[] {
    const out: { name: string; tensor: tf.Tensor }[] = [];
    for (const [n, t] of this.m) out.push({ name: `m/${n}`, tensor: t });
    for (const [n, t] of this.v) out.push({ name: `v/${n}`, tensor: t });
    return out;
  }

  /** Restores moments saved by `stateTensors` (takes ownership of the tensors). */
  loadState(step: number, tensors: Record<string, tf.Tensor>): void {
    this.dispose();
    this.step = step;
    for (const [key, t] of Object.entries(tensors)) {
      const slash = key.indexOf('/');
      const kind = key.slice(0, slash);
      const name = key.slice(slash + 1);
      (kind === 'm' ? this.m : this.v).set(name, tf.variable(t, false));
      t.dispose();
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

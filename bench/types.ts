/** One figure a benchmark measured. Ratios measured in the same run are their own rows. */
export interface BenchResult {
  /** Stable identifier, e.g. `logmel.x_realtime`, used by `--compare`. */
  name: string;
  value: number;
  /** e.g. 'x realtime', 'GFLOP/s', 'ms', 'ratio', 'MB'. */
  unit: string;
  /** Whether a bigger value is better (for --compare arrows). */
  higherIsBetter?: boolean;
  note?: string;
}

/** Each `bench/*.bench.ts` exports a default function of this type. */
export type Benchmark = () => Promise<BenchResult[]>;

/**
 * A one-line progress bar with rate and ETA on stderr. On a terminal it redraws
 * in place; in a log file it prints a line every `logEvery` seconds; with no
 * output stream it only counts.
 */
export class ProgressBar {
  private readonly start = Date.now();
  private lastPrint = 0;
  private done = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'utt',
    private readonly out: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> | null = process.stderr,
    private readonly logEvery = 10,
  ) {}

  tick(n = 1, extra = ''): void {
    this.done += n;
    if (!this.out) return;
    const now = Date.now();
    const finished = this.done >= this.total;
    const interval = this.out.isTTY ? 200 : this.logEvery * 1000;
    if (!finished && now - this.lastPrint < interval) return;
    this.lastPrint = now;
    this.out.write((this.out.isTTY ? '\r\x1b[K' : '') + this.line(now, extra) + (this.out.isTTY && !finished ? '' : '\n'));
  }

  private line(now: number, extra: string): string {
    const elapsed = (now - this.start) / 1000;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    return (
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${this.unit} ` +
      `${(100 * frac).toFixed(1)}%  ${rate.toFixed(2)} ${this.unit}/s  elapsed ${formatSeconds(elapsed)}  ETA ${formatSeconds(eta)}` +
      (extra ? `  ${extra}` : '')
    );
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

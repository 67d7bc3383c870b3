/** One progress line on stderr: a bar, counts, time left; redrawn in place on a terminal, printed sparsely otherwise. */
export class ProgressLine {
  private lastPrinted = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  update(label: string, done: number, total: number, unit: string, secondsLeft?: number | null, extra = ''): void {
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const left = secondsLeft == null ? '' : `, ${formatSeconds(secondsLeft)} left`;
    const line = `${label} ${bar} ${done}/${total} ${unit}${left}${extra ? `, ${extra}` : ''}`;
    const now = Date.now();
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
    } else if (done === total || now - this.lastPrinted > 2000) {
      process.stderr.write(`${line}\n`);
      this.lastPrinted = now;
    }
  }

  note(text: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

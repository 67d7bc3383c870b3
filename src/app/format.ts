/** Numbers as the page shows them: always with their unit. */

export function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb.toFixed(mb < 10 ? 2 : 1)} MB`;
}

export function bitsPerWeight(bits: number): string {
  return `${bits.toFixed(2)} bits`;
}

export function perplexity(value: number): string {
  return value >= 1000 ? value.toFixed(0) : value.toPrecision(5);
}

export function tokensPerSecond(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} tokens/s`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `3 windows`, `1 window`. */
export function counted(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}

export function parameters(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} billion`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} million`;
  return count(n);
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** y[m][n] = sum_k x[m][k] * w[n][k] (+ bias[n]), accumulated in f64: the reference every linear-layer test compares with. */
export function referenceLinear(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  m: number,
  n: number,
  k: number,
): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      for (let t = 0; t < k; t++) sum += x[i * k + t] * w[j * k + t];
      y[i * n + j] = sum;
    }
  }
  return y;
}

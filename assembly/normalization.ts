// Layer normalization over the last axis (Keras LayerNormalization, axis −1): each row of n
// values is centred and scaled by its own mean and variance, then by gamma and beta.
//
// forward  x [rows][n] → y = (x − mean)·rstd·gamma + beta, rstd = 1/√(var + epsilon)
//          (var the biased variance, as Keras); stats [rows][2] f64 keeps mean and rstd
// backward g = dy·gamma, x̂ = (x − mean)·rstd;
//          dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dgamma += Σ_rows dy·x̂; dbeta += Σ_rows dy
// Row statistics are accumulated in f64 in increasing index order and every output is rounded
// once to f32; the gamma/beta gradients add rows in increasing order. sqrt is the IEEE
// instruction, so every engine gives the same bits. gamma/beta pointers 0: scale/center off.

/** y = normalized x (see above); stats gets (mean, rstd) per row as two f64. */
export function layerNorm(x: usize, rows: i32, n: i32, gamma: usize, beta: usize, epsilon: f64, y: usize, stats: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>n << 2);
    const yr = y + (<usize>r * <usize>n << 2);
    let sum: f64 = 0;
    for (let j = 0; j < n; j++) sum += <f64>load<f32>(xr + (<usize>j << 2));
    const mean = sum / <f64>n;
    let squares: f64 = 0;
    for (let j = 0; j < n; j++) {
      const d = <f64>load<f32>(xr + (<usize>j << 2)) - mean;
      squares += d * d;
    }
    const rstd = 1 / sqrt<f64>(squares / <f64>n + epsilon);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      let v = (<f64>load<f32>(xr + o) - mean) * rstd;
      if (gamma != 0) v *= <f64>load<f32>(gamma + o);
      if (beta != 0) v += <f64>load<f32>(beta + o);
      store<f32>(yr + o, <f32>v);
    }
    store<f64>(stats + (<usize>r << 4), mean);
    store<f64>(stats + (<usize>r << 4), rstd, 8);
  }
}

/**
 * The gradients of layerNorm (see above) from x, dy and the stats of its forward pass: dx
 * (skipped when 0) is written; dgamma and dbeta (skipped when 0) are added into.
 */
export function layerNormBackward(x: usize, dy: usize, rows: i32, n: i32, gamma: usize, stats: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>n << 2);
    const dyr = dy + (<usize>r * <usize>n << 2);
    const mean = load<f64>(stats + (<usize>r << 4));
    const rstd = load<f64>(stats + (<usize>r << 4), 8);
    let sumG: f64 = 0;
    let sumGX: f64 = 0;
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dyr + o);
      const xhat = (<f64>load<f32>(xr + o) - mean) * rstd;
      const g = gamma != 0 ? <f64>d * <f64>load<f32>(gamma + o) : <f64>d;
      sumG += g;
      sumGX += g * xhat;
      if (dgamma != 0) store<f32>(dgamma + o, load<f32>(dgamma + o) + <f32>(<f64>d * xhat));
      if (dbeta != 0) store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    if (dx == 0) continue;
    const meanG = sumG / <f64>n;
    const meanGX = sumGX / <f64>n;
    const dxr = dx + (<usize>r * <usize>n << 2);
    for (let j = 0; j < n; j++) {
      const o = <usize>j << 2;
      const xhat = (<f64>load<f32>(xr + o) - mean) * rstd;
      const g = gamma != 0 ? <f64>load<f32>(dyr + o) * <f64>load<f32>(gamma + o) : <f64>load<f32>(dyr + o);
      store<f32>(dxr + o, <f32>(rstd * (g - meanG - xhat * meanGX)));
    }
  }
}

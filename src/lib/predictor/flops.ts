/**
 * Analytic FLOP count of one regression training step of the GCN, for throughput reports.
 * Only the dense matmuls are counted (2 FLOPs per multiply-add); graph aggregations, LayerNorm,
 * activations and the optimizer are element-wise and small next to them. The backward pass of a
 * matmul is two matmuls of the same size (gradients of both operands), so a step costs 3× the
 * forward matmuls. Shapes follow gcn.ts: layer 1 is [B·N, F]·[F, H], middle layers
 * [B·N, H]·[H, H], the last layer only the global node [B, H]·[H, H], the head [B, H]·[H, 1].
 */
export function regressionStepFlops(shape: { layers: number; hidden: number; nodes: number; features: number; batchSize: number }): number {
  const { layers, hidden: h, nodes: n, features: f, batchSize: b } = shape;
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`regressionStepFlops: '${name}' must be a positive integer, got ${value}`);
  }
  let forwardMacs: number;
  if (layers === 1)
    forwardMacs = b * f * h; // the only layer reads the global row of A·X
  else forwardMacs = b * n * f * h + (layers - 2) * b * n * h * h + b * h * h;
  forwardMacs += b * h; // regression head
  return 3 * 2 * forwardMacs;
}

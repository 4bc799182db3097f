/**
 * Splits a 1-D count of workgroups into an x·y grid that respects
 * `maxComputeWorkgroupsPerDimension` (65,535 by default). Kernels rebuild the linear index as
 * `wid.x + wid.y * num_workgroups.x` and skip the few extra workgroups a fold adds.
 */
export function foldWorkgroups(count: number, maxPerDim: number): [number, number, number] {
  if (count <= maxPerDim) return [Math.max(count, 1), 1, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new Error(`webgrad: ${count} workgroups exceed the device's ${maxPerDim}² grid`);
  return [Math.ceil(count / y), y, 1];
}

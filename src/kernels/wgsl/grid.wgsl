// The dispatch grid as one line of workgroups. A count of workgroups larger than one dimension
// allows is folded into x·y (grid.ts's foldWorkgroups); these undo the fold. The few extra
// workgroups a fold adds get indices past the end, which kernels skip.

// The linear index of this workgroup.
fn workgroupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.y * nwg.x + wid.x;
}

// The linear index of this invocation, in workgroups of `size` invocations (the kernel's WG).
fn invocationIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32, size: u32) -> u32 {
  return workgroupIndex(wid, nwg) * size + lid;
}

// The builtins a kernel on this grid reads, as one entry-point parameter: `fn main(inv: GridInvocation)`.
struct GridInvocation {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

// invocationIndex of the entry's invocation.
fn gridIndex(inv: GridInvocation, size: u32) -> u32 {
  return invocationIndex(inv.wid, inv.nwg, inv.lid, size);
}

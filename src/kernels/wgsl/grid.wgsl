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

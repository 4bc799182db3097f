// What a lent GPU offers, before anything is timed: the adapter Dawn picks (its info, subgroup
// sizes, subgroup-matrix configurations), its features and limits, and whether a device with all
// of them is granted. Dawn's toggles are one instance flag (a second `enable-dawn-features=` would
// replace the first); by default the ones that expose the experimental subgroup matrices and f16 on
// NVIDIA's Vulkan driver, beside webgrad's own flags (src/session/node.ts).
//   node probe.mjs [--toggles LIST] [--json FILE] [--jsonl FILE] [--require-gpu]
// --toggles '' probes the instance as webgrad's init() makes it. Exits 1 with --require-gpu where the
// adapter is a software one.
import { appendFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DAWN_FLAGS, nodeGpu } from '../../src/session/node.js';
import { summarise } from '../../src/runtime/gpu.js';

const DEFAULT_TOGGLES = 'allow_unsafe_apis,vulkan_enable_f16_on_nvidia';

/** The enumerable getters of a Dawn object (its fields live on the prototype, out of JSON.stringify's sight). */
function plain(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = (o as Record<string, unknown>)[k];
    if (typeof v === 'function') continue;
    out[k] = Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? plain(x) : x)) : v && typeof v === 'object' ? plain(v) : v;
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { toggles: { type: 'string', default: DEFAULT_TOGGLES }, json: { type: 'string' }, jsonl: { type: 'string' }, 'require-gpu': { type: 'boolean' } },
  });
  const toggles = values.toggles ?? '';
  const flags = toggles ? [...DAWN_FLAGS, `enable-dawn-features=${toggles}`] : [...DAWN_FLAGS];
  const gpu = await nodeGpu(flags);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.error('probe: Dawn found no adapter');
    return 1;
  }
  const info = plain(adapter.info);
  const features = [...adapter.features].sort();
  const summary = summarise(adapter.info);
  // A device with every feature and the adapter's limits: what webgrad could ask for.
  let device: Record<string, unknown>;
  try {
    const limits: Record<string, number> = {};
    for (const [k, v] of Object.entries(plain(adapter.limits))) if (typeof v === 'number') limits[k] = v;
    const d = await adapter.requestDevice({ requiredFeatures: features as GPUFeatureName[], requiredLimits: limits });
    device = { granted: true, features: [...d.features].sort() };
    d.destroy();
  } catch (error) {
    device = { granted: false, error: (error as Error).message.split('\n')[0] };
  }
  const result = { type: 'probe', flags, software: summary.software, info, features, limits: plain(adapter.limits), device };
  console.log(`adapter: ${[summary.vendor, summary.architecture, summary.description || summary.device].filter((s) => s).join(' ')}${summary.software ? ' (software)' : ''}`);
  console.log(`flags: ${flags.join(' ')}`);
  console.log(`subgroups: ${info.subgroupMinSize ?? '?'}..${info.subgroupMaxSize ?? '?'}; subgroup-matrix configurations: ${JSON.stringify(info.subgroupMatrixConfigs ?? null)}`);
  console.log(`features: ${features.join(' ')}`);
  console.log(`device with every feature and the adapter's limits: ${device.granted ? 'granted' : `refused (${device.error})`}`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result, null, 1)}\n`);
  if (values.jsonl) appendFileSync(values.jsonl, `${JSON.stringify(result)}\n`);
  if (values['require-gpu'] && summary.software) {
    console.error('probe: --require-gpu: the adapter is a software one');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

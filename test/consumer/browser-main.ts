import { adapterInfo, init } from 'webgrad-wgsl';
import { trainSmallModel } from './model.js';

const out = globalThis as unknown as { result?: unknown };
init()
  .then(() => trainSmallModel())
  .then((r) => (out.result = { ...r, adapter: adapterInfo() }))
  .catch((e: Error) => (out.result = { error: `${e.name}: ${e.message}` }));

import { init, release } from 'webgrad-wgsl';
import { trainSmallModel } from './model.js';

await init();
console.log(JSON.stringify(await trainSmallModel()));
await release();

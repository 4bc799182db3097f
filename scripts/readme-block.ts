// The README's code as its tests run it: the first ```ts block under a heading.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The first TypeScript block under the README's heading `## heading`. */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(README, 'utf8');
  const at = readme.indexOf(`\n## ${heading}\n`);
  const block = at < 0 ? null : /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no \`\`\`ts block under "## ${heading}"`);
  return block[1];
}

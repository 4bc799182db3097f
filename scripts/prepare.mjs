// npm's `prepare` script. When npm installs webgrad from git (a git dependency), it clones the
// repository, installs its devDependencies, runs `prepare` and packs the result: dist/ has to be
// built then. Run by npm in the repository itself (`npm ci`, `npm install`, `npm pack`), it does
// nothing: the tests run the sources, and `npm pack` builds through `prepack`. npm sets INIT_CWD
// to the folder it was started in, which is this one only in the second case.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
const startedIn = process.env.INIT_CWD ? realpathSync(process.env.INIT_CWD) : null;
if (startedIn !== root) execFileSync(process.execPath, [fileURLToPath(new URL('build.mjs', import.meta.url))], { stdio: 'inherit' });

// The build's second step, run compiled (node dist/scripts/build-assets.js) by scripts/build.mjs
// after tsc has emitted dist/: what a compiled Kairos needs besides the JavaScript — the prebuilt
// workflow bundle (so a worker polls within about a second of starting) and the dashboard's files.
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UI_DIR } from '../api/ui.ts';
import { bundleWorkflows, PREBUILT_BUNDLE_PATH } from '../worker/workflow-bundle.ts';

if (!import.meta.url.endsWith('.js')) throw new Error('run the build with `npm run build` (this step runs compiled, from dist/)');

// Bundled from dist/workflows/index.js: dist/ is complete without the sources.
const { code } = await bundleWorkflows();
writeFileSync(PREBUILT_BUNDLE_PATH, code);

// The compiled API serves the dashboard from dist/ui/ (api/ui.ts UI_DIR, next to the compiled code).
const sourceUi = fileURLToPath(new URL('../../ui/', import.meta.url));
rmSync(UI_DIR, { recursive: true, force: true });
// Not the README's screenshots (ui/screenshots/): the API serves only the files directly in ui/.
const screenshots = fileURLToPath(new URL('../../ui/screenshots', import.meta.url));
cpSync(sourceUi, UI_DIR, { recursive: true, filter: (src) => src !== screenshots });

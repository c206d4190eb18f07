// Loaded into a CLI child with NODE_OPTIONS=--import, so that a test can see which modules the
// CLI imports and make some of them fail to load.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);

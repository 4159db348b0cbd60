#!/usr/bin/env node
// The `saga` command: the compiled CLI (npm run build makes apps/saga-cli/dist).
require('../dist/main.js');

#!/usr/bin/env node
// npm run seed: loads the demo products, wallets and carts into the local system (idempotent).
import { ensureDatabase, ensureServices, seed, setUpServiceLogins } from './local-system.mjs';

ensureServices();
await ensureDatabase();
seed(await setUpServiceLogins());

import { baseEnv, httpPort, loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { z } from 'zod';
import { inventoryWorkerService } from './inventory-worker-service';

runMain(async () => runService(inventoryWorkerService, loadConfig(z.object({ ...baseEnv, PORT: httpPort(3001) }))));

import { baseEnv, httpPort, loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { z } from 'zod';
import { cartWorkerService } from './cart-worker-service';

runMain(async () => runService(cartWorkerService, loadConfig(z.object({ ...baseEnv, PORT: httpPort(3003) }))));

import { z } from 'zod';
import { baseEnv, httpPort, loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { paymentWorkerService } from './payment-worker-service';

runMain(async () => runService(paymentWorkerService, loadConfig(z.object({ ...baseEnv, PORT: httpPort(3002) }))));
